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

_NO_LIMIT = 10**6  # tokenizers without a limit report model_max_length as a huge sentinel (1e30)
_POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2}  # these count padding_idx+1 positions


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


def max_input_length(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel | None = None) -> int:
    """How many tokens (special tokens included) the pair can read: the smaller of both limits."""
    limits = []
    if tokenizer.model_max_length and tokenizer.model_max_length < _NO_LIMIT:
        limits.append(int(tokenizer.model_max_length))
    if model is not None and getattr(model.config, "max_position_embeddings", None):
        offset = _POSITION_OFFSET.get(model.config.model_type, 0)
        limits.append(int(model.config.max_position_embeddings) - offset)
    return min(limits) if limits else 512


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
) -> BatchEncoding:
    """Tokenize texts (or sentence pairs) into padded PyTorch tensors, refusing what the model can't read.

    Args:
        tokenizer: the checkpoint's tokenizer.
        texts: one text or a list of n texts.
        pairs: optional second sentences, one per text (``token_type_ids`` become 1 for them).
        model: when given, checked against the tokenizer and used for the length limit.
        max_length: longest allowed input in tokens, special tokens included; default: the model's limit.
        truncation: cut longer texts to ``max_length`` (with one warning giving the count) instead of raising.
        padding: ``True`` pads to the longest text, ``"max_length"`` to ``max_length``.

    Returns:
        ``BatchEncoding`` with ``input_ids``, ``token_type_ids`` (if the model uses them) and
        ``attention_mask``, each of shape (n, seq).

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
    limit = max_input_length(tokenizer, model)
    if max_length is None:
        max_length = limit
    elif not 2 < max_length <= limit:
        raise ValueError(f"max_length={max_length} is outside 3..{limit}, the range this model can read.")

    lengths = [len(ids) for ids in tokenizer(texts, pairs, add_special_tokens=True)["input_ids"]]
    too_long = [i for i, n in enumerate(lengths) if n > max_length]
    if too_long and not truncation:
        first = too_long[0]
        raise ValueError(
            f"{len(too_long)} text(s) are longer than {max_length} tokens (texts[{first}] has {lengths[first]}). "
            "Pass truncation=True to cut them, or split long texts into passages first."
        )
    if too_long:
        warnings.warn(f"Truncated {len(too_long)} of {len(texts)} text(s) to {max_length} tokens.", stacklevel=2)
    # Nothing is longer than max_length unless truncation was asked for, so truncation=True cuts only then.
    return tokenizer(texts, pairs, padding=padding, truncation=True, max_length=max_length, return_tensors="pt")


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
    # no_grad rather than inference_mode: readers feed these tensors into other modules (the pooler, a
    # probe), which inference tensors refuse.
    with torch.no_grad():
        outputs = model(**encoding.to(model.device), output_hidden_states=True)
    return encoding, outputs
