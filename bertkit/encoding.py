"""Turn texts into model inputs safely, and run the encoder with every hidden state.

Bad input gets a clear error here instead of a NaN or an IndexError from inside torch: empty or
non-string texts, texts longer than the model can read, and a tokenizer that belongs to another checkpoint.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence

import torch
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import ModelOutput

from .long_texts import max_input_length, position_limit, tokenize_long



class TokenizerMismatchError(ValueError):
    """The tokenizer was not made for this model: its ids would index the wrong (or no) embeddings."""


def as_texts(texts: str | Iterable[str], name: str = "texts") -> list[str]:
    """Validate texts and return them as a list.

    Args:
        texts: one string or an iterable of strings.
        name: what to call the argument in error messages.

    Returns:
        A non-empty list of non-blank strings.

    Raises:
        TypeError: None, or an item that is not a string.
        ValueError: no texts, or a text that is empty or whitespace only.
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
    return texts


def _source(name: str) -> str:
    return os.path.realpath(name) if name and os.path.isdir(name) else name


def check_pair(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
    """Raise if ``tokenizer`` was not made for ``model``.

    Two checks: every id the tokenizer can produce must exist in the model's embedding table, and both
    must come from the same checkpoint when both know where they came from.

    Raises:
        TokenizerMismatchError: with what to do instead.
    """
    n_embeddings = model.get_input_embeddings().num_embeddings
    if len(tokenizer) > n_embeddings:
        raise TokenizerMismatchError(
            f"The tokenizer has {len(tokenizer)} tokens but the model's embedding table has only "
            f"{n_embeddings} rows, so some ids have no vector. Load the tokenizer of the model's own checkpoint "
            "(tokenizer, model = bertkit.load(checkpoint)), or, if you added tokens on purpose, resize the model: "
            "model.resize_token_embeddings(len(tokenizer))."
        )
    tok_src = _source(getattr(tokenizer, "name_or_path", "") or "")
    model_src = _source(getattr(model.config, "_name_or_path", "") or "")
    if tok_src and model_src and tok_src != model_src:
        raise TokenizerMismatchError(
            f"The tokenizer comes from {tok_src!r} but the model from {model_src!r}. A model understands only "
            "the ids of its own vocabulary: load both with bertkit.load(checkpoint). If the model is a "
            "fine-tuned copy, save the tokenizer beside it (tokenizer.save_pretrained(model_dir))."
        )


def encode(
    tokenizer: PreTrainedTokenizerBase,
    texts: str | Iterable[str],
    pairs: str | Iterable[str] | None = None,
    *,
    model: PreTrainedModel | None = None,
    max_length: int | None = None,
    truncation: bool = False,
    padding: bool | str = True,
    long_texts: str | None = None,
    stride: int = 0,
) -> BatchEncoding:
    """Tokenize texts (or sentence pairs) into padded PyTorch tensors, refusing what the model can't read.

    Args:
        tokenizer: the checkpoint's tokenizer.
        texts: one text or a list of n texts.
        pairs: optional second sentences, one per text (``token_type_ids`` become 1 for them).
        model: when given, checked against the tokenizer and used for the length limit.
        max_length: longest allowed input in tokens, special tokens included; default
            :func:`bertkit.max_input_length` (the checkpoint's sentence-transformers length when it has one),
            at most :func:`bertkit.position_limit`.
        truncation: the same as ``long_texts="truncate"`` (kept for existing code).
        padding: ``True`` pads to the longest text, ``"max_length"`` to ``max_length``.
        long_texts: what to do with a longer text, see :mod:`bertkit.long_texts`: ``"error"`` (the default),
            ``"truncate"`` (cut, with one warning giving the count) or ``"chunk"`` (overlapping windows).
        stride: with ``"chunk"``, the tokens two consecutive windows share.

    Returns:
        ``BatchEncoding`` with ``input_ids``, ``token_type_ids`` (if the model uses them) and
        ``attention_mask``, each of shape (n, seq). With ``"chunk"`` there is one row per window (n_windows
        rows) and ``overflow_to_sample_mapping`` (n_windows,) gives each row's text; pop it before
        ``model(**encoding)``, or use :func:`run`, which does.

    Raises:
        ValueError: a text longer than ``max_length`` while ``truncation`` is False, or ``max_length``
            beyond the model's limit. See also :func:`as_texts` and :func:`check_pair`.
    """
    texts = as_texts(texts)
    if pairs is not None:
        pairs = as_texts(pairs, "pairs")
        if len(pairs) != len(texts):
            raise ValueError(f"Got {len(texts)} texts but {len(pairs)} pairs: give one pair per text.")
    if model is not None:
        check_pair(tokenizer, model)
    max_length = checked_max_length(tokenizer, model, max_length)
    if long_texts is None:
        long_texts = "truncate" if truncation else "error"
    # One tokenizer call, whatever the policy (bertkit.long_texts decides for encode, run and extract alike).
    enc, doc, windows = tokenize_long(
        tokenizer, texts, pairs, max_length=max_length, long_texts=long_texts, stride=stride
    )
    n_long = sum(w > 1 for w in windows)
    if n_long and long_texts == "truncate":
        warnings.warn(f"Truncated {n_long} of {len(texts)} text(s) to {max_length} tokens.", stacklevel=2)
    pad_to = max_length if padding == "max_length" else None
    encoding = tokenizer.pad(enc, padding=padding, max_length=pad_to, return_tensors="pt")
    if long_texts == "chunk":
        encoding["overflow_to_sample_mapping"] = torch.tensor(doc)
    return encoding


def checked_max_length(
    tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel | None, max_length: int | None
) -> int:
    """``max_length`` checked against what the model can read; None gives :func:`bertkit.max_input_length`.

    Raises:
        ValueError: not an integer, or outside 3..:func:`bertkit.position_limit`.
    """
    if max_length is None:
        return max_input_length(tokenizer, model)
    limit = position_limit(tokenizer, model)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not 2 < max_length <= limit:
        raise ValueError(f"max_length={max_length!r} is outside 3..{limit}, the range this model can read.")
    return max_length


def run(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: str | Sequence[str],
    pairs: str | Sequence[str] | None = None,
    **encode_kwargs,
) -> tuple[BatchEncoding, ModelOutput]:
    """Encode texts and run the model once, without gradients, returning every hidden state.

    Args:
        model: a transformers encoder (``AutoModel`` or a task model).
        tokenizer: its tokenizer (checked with :func:`check_pair`).
        texts, pairs, **encode_kwargs: as in :func:`encode`.

    Returns:
        ``(encoding, outputs)``; ``outputs.hidden_states`` is a tuple of ``num_hidden_layers + 1`` tensors
        (batch, seq, hidden), the embedding layer first.
    """
    encoding = encode(tokenizer, texts, pairs, model=model, **encode_kwargs)
    inputs = {k: v for k, v in encoding.items() if k != "overflow_to_sample_mapping"}  # long_texts="chunk"
    # no_grad rather than inference_mode: readers feed these tensors into other modules (the pooler, a
    # probe), which inference tensors refuse.
    with torch.no_grad():
        outputs = model(**{k: v.to(model.device) for k, v in inputs.items()}, output_hidden_states=True)
    return encoding, outputs
