"""See what the tokenizer hands the model, and build the same inputs by hand.

``show_inputs`` prints a ``BatchEncoding`` as a table (token, id, token type, mask) per text;
``build_inputs`` does by hand what ``tokenizer(texts, padding=True)`` does for a BERT checkpoint:
add ``[CLS]``/``[SEP]``, pad with ``[PAD]``, make the attention mask and the token types, convert to ids.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from .texts import as_texts

COLUMNS = ("position", "token", "input_id", "token_type", "attention_mask")


@dataclass
class InputsTable:
    """One table per text: ``tables[i]`` is a list of rows, one per position, with :data:`COLUMNS`."""

    texts: list[str]
    tables: list[list[dict]]

    def __str__(self) -> str:
        blocks = []
        for text, rows in zip(self.texts, self.tables):
            widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in COLUMNS}
            lines = [f"# {text}", "  ".join(c.ljust(widths[c]) for c in COLUMNS)]
            lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in COLUMNS) for r in rows]
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = []
        for text, rows in zip(self.texts, self.tables):
            head = "".join(f"<th>{c}</th>" for c in COLUMNS)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in COLUMNS) + "</tr>" for r in rows
            )
            parts.append(f"<p><b>{html.escape(text)}</b></p><table><tr>{head}</tr>{body}</table>")
        return "".join(parts)


def show_inputs(encoding: Mapping[str, Tensor | list], tokenizer: PreTrainedTokenizerBase) -> InputsTable:
    """Show a tokenizer's output as readable tables.

    Args:
        encoding: ``tokenizer(...)`` output (tensors or lists), one or more texts.
        tokenizer: the tokenizer that made it (to turn ids back into tokens).

    Returns:
        :class:`InputsTable`; prints as text, renders as HTML in a notebook.
    """
    ids = torch.as_tensor(encoding["input_ids"])
    ids = ids.unsqueeze(0) if ids.dim() == 1 else ids  # (batch, seq)
    mask = torch.as_tensor(encoding.get("attention_mask", torch.ones_like(ids))).reshape(ids.shape)
    types = torch.as_tensor(encoding.get("token_type_ids", torch.zeros_like(ids))).reshape(ids.shape)
    texts: list[str] = []
    tables: list[list[dict]] = []
    for row in range(ids.shape[0]):
        tokens = list(tokenizer.convert_ids_to_tokens(ids[row].tolist()))
        texts.append(str(tokenizer.decode(ids[row][mask[row].bool()], skip_special_tokens=True)))
        tables.append([
            {"position": p, "token": t, "input_id": int(i), "token_type": int(s), "attention_mask": int(m)}
            for p, (t, i, s, m) in enumerate(zip(tokens, ids[row], types[row], mask[row]))
        ])
    return InputsTable(texts, tables)


def build_inputs(
    tokenizer: PreTrainedTokenizerBase,
    texts: str | Sequence[str],
    pairs: str | Sequence[str] | None = None,
    *,
    max_length: int | None = None,
) -> dict[str, Tensor]:
    """Build BERT inputs by hand: ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]`` (``<s> A </s></s> B </s>`` for
    RoBERTa-style tokenizers), padded with ``[PAD]``.

    Args:
        tokenizer: a BERT-style tokenizer (with ``cls_token``, ``sep_token`` and ``pad_token``).
        texts: n texts. pairs: optional n second sentences.
        max_length: pad to this length; default: to the longest text.

    Returns:
        ``{"input_ids", "token_type_ids", "attention_mask"}``, each a LongTensor (n, seq), equal to
        ``tokenizer(texts, pairs, padding=True or "max_length", return_tensors="pt")``.

    Raises:
        ValueError: a text longer than ``max_length`` (this builder does not truncate).
    """
    texts = as_texts(texts)
    seconds: list[str | None] = list(as_texts(pairs, "pairs")) if pairs is not None else [None] * len(texts)
    if len(seconds) != len(texts):
        raise ValueError(f"Got {len(texts)} texts but {len(seconds)} pairs: give one pair per text.")
    cls, sep, pad = tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token
    rows = []
    for first, second in zip(texts, seconds):
        tokens = [cls, *tokenizer.tokenize(first), sep]
        types = [0] * len(tokens)
        if second is not None:  # RoBERTa-style tokenizers (XLM-R, bge-m3, e5) put two: <s> A </s></s> B </s>
            middle = [sep] * (tokenizer.num_special_tokens_to_add(pair=True) - 3)
            tail = [*middle, *tokenizer.tokenize(second), sep]
            tokens, types = tokens + tail, types + [1] * len(tail)
        rows.append((tokens, types))
    longest = max(len(tokens) for tokens, _ in rows)
    length = max_length or longest
    if longest > length:
        raise ValueError(f"A text has {longest} tokens, more than max_length={length}; shorten it or raise max_length.")
    out: dict[str, list[list[int]]] = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
    for tokens, types in rows:
        n_pad = length - len(tokens)
        ids: Any = tokenizer.convert_tokens_to_ids(tokens + [pad] * n_pad)  # a list for a list of tokens
        out["input_ids"].append(list(ids))
        out["token_type_ids"].append(types + [0] * n_pad)
        out["attention_mask"].append([1] * len(tokens) + [0] * n_pad)
    return {key: torch.tensor(value, dtype=torch.long) for key, value in out.items()}
