"""Texts a model can read: refused before tokenization when they are not text, and after it when they hold none.

:func:`as_texts` refuses what is not a string with something visible in it: empty texts, whitespace, and texts of
invisible characters only (``"\\u200b"``, ``"\\x00"``, ``"\\u00ad"``, ``"\\ufeff"``: format and control characters).
A WordPiece tokenizer drops those, so the model would see ``[CLS] [SEP]`` alone; a SentencePiece one reads each as
``<unk>``; either way every such text would get the same vector. After tokenization :func:`check_visible` refuses a
text whose tokens are all special tokens (one the tokenizer reads nothing in, such as ``"[CLS] [SEP]"``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from transformers import PreTrainedTokenizerBase

__all__ = ["INVISIBLE", "as_texts", "check_visible"]

INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")
"""Unicode categories of characters that show nothing: control, format (zero-width space, soft hyphen, byte order
mark), and the separators (spaces, line and paragraph separators)."""


def _visible(text: str) -> bool:
    return any(not ch.isspace() and unicodedata.category(ch) not in INVISIBLE for ch in text)


def as_texts(texts: str | Iterable[str], name: str = "texts") -> list[str]:
    """Validate texts and return them as a list.

    Args:
        texts: one string or an iterable of strings.
        name: what to call the argument in error messages.

    Returns:
        A non-empty list of strings, each with at least one visible character.

    Raises:
        TypeError: None, or an item that is not a string.
        ValueError: no texts, or a text that is empty, whitespace only or invisible characters only (naming it).
    """
    if texts is None:
        raise TypeError(f"{name} is None: pass a string or a list of strings.")
    if isinstance(texts, str):
        texts = [texts]
    elif not isinstance(texts, Iterable):
        raise TypeError(f"{name} must be a string or a list of strings, not {type(texts).__name__}.")
    texts = list(texts)
    if not texts:
        raise ValueError(f"{name} is empty: pass at least one text.")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{i}] is {type(text).__name__} ({text!r:.40}), not str: convert it first.")
        if not text.strip():
            raise ValueError(
                f"{name}[{i}] is empty or whitespace only: the model would see only [CLS] [SEP]. "
                "Drop it, or replace it with real text."
            )
        if not _visible(text):
            raise ValueError(
                f"{name}[{i}] = {text!r:.60} has invisible characters only (format and control characters such as "
                "'\\u200b', '\\x00', '\\u00ad', '\\ufeff', and whitespace): the model would read nothing in it, "
                "and every such text would get the same vector. Drop it, or replace it with real text."
            )
    return texts


def _added_ids(tokenizer: PreTrainedTokenizerBase) -> set[int]:
    """Ids the tokenizer adds around a text ([CLS], [SEP], <s>, padding); [UNK] and [MASK] stand for text."""
    return set(tokenizer.all_special_ids) - {tokenizer.unk_token_id, tokenizer.mask_token_id}


def check_visible(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    input_ids: Sequence[Sequence[int]],
    doc: Sequence[int] | None = None,
    *,
    start: int = 0,
    name: str = "texts",
) -> None:
    """Raise if a text left no token of its own after tokenization.

    Args:
        tokenizer: the tokenizer that made ``input_ids``.
        texts: the n texts tokenized.
        input_ids: the rows, special tokens included (one per text, or several per text with ``doc``).
        doc: ``doc[r]``: the index in ``texts`` of row r; None when row i is text i.
        start: index of ``texts[0]`` in the caller's corpus, for the message.
        name: what to call the argument in the message.

    Raises:
        ValueError: naming the first such text (as ``repr`` shows it) and what to do.
    """
    added = _added_ids(tokenizer)
    rows = range(len(input_ids))
    has_text = {doc[r] if doc is not None else r for r in rows if any(i not in added for i in input_ids[r])}
    empty = [i for i in range(len(texts)) if i not in has_text]
    if empty:
        first = empty[0]
        raise ValueError(
            f"{name}[{start + first}] = {texts[first]!r:.60} has no token of its own: the tokenizer reads nothing in "
            "it but special tokens, so every such text would get the same vector "
            f"({len(empty)} of {len(texts)} text(s) are so). Drop it, or replace it with real text."
        )
