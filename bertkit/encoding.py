"""Turn texts into model inputs safely, and run the encoder with every hidden state.

Bad input gets a clear error here instead of a NaN or an IndexError from inside torch: empty or
non-string texts and texts of invisible characters only (:mod:`bertkit.texts`), texts longer than the model can
read (:mod:`bertkit.long_texts`), a tokenizer that belongs to another checkpoint (:mod:`bertkit.vocabulary`), and
token types the model can't use.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

import torch
from torch import nn
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

from .eval_mode import evaluating
from .long_texts import max_input_length, position_limit, tokenize_long
from .texts import as_texts, check_visible
from .vocabulary import check_tokenizer


def encode(
    tokenizer: PreTrainedTokenizerBase,
    texts: str | Iterable[str],
    pairs: str | Iterable[str] | None = None,
    *,
    model: PreTrainedModel | None = None,
    max_length: int | None = None,
    padding: bool | str = True,
    long_texts: str = "error",
    stride: int = 0,
) -> BatchEncoding:
    """Tokenize texts (or sentence pairs) into padded PyTorch tensors, refusing what the model can't read.

    Args:
        tokenizer: the checkpoint's tokenizer.
        texts: one text or a list of n texts.
        pairs: optional second sentences, one per text (``token_type_ids`` become 1 for them).
        model: when given, checked against the tokenizer and used for the length limit.
        max_length: longest allowed input in tokens, special tokens included; default
            :func:`bertkit.max_input_length` (the checkpoint's position limit, from its config and tokenizer files);
            ``bertkit.sentence_recipe(tokenizer, model).max_length`` is what sentence-transformers reads.
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
        ValueError: a text longer than ``max_length`` with ``long_texts="error"``, or ``max_length``
            beyond the model's limit. See also :func:`as_texts` and :func:`check_tokenizer`.
    """
    texts = as_texts(texts)
    if pairs is not None:
        pairs = _checked_pairs(tokenizer, texts, pairs)
    if model is not None:
        check_tokenizer(tokenizer, model)
    max_length = checked_max_length(tokenizer, model, max_length)
    # One tokenizer call, whatever the policy (bertkit.long_texts decides for encode, run and extract alike).
    enc, doc, windows = tokenize_long(
        tokenizer, texts, pairs, max_length=max_length, long_texts=long_texts, stride=stride
    )
    n_long = sum(w > 1 for w in windows)
    if n_long and long_texts == "truncate":
        warnings.warn(f"Truncated {n_long} of {len(texts)} text(s) to {max_length} tokens.", stacklevel=2)
    pad_to = max_length if padding == "max_length" else None
    encoding = tokenizer.pad(enc, padding=padding, max_length=pad_to, return_tensors="pt")
    _pad_alignments(encoding, enc.encodings, tokenizer)
    if model is not None:
        drop_unusable_token_types(encoding, model)
    if long_texts == "chunk":
        encoding["overflow_to_sample_mapping"] = torch.tensor(doc)
    return encoding


def _checked_pairs(tokenizer: PreTrainedTokenizerBase, texts: list[str], pairs: str | Iterable[str]) -> list[str]:
    """``pairs`` as a list, one per text, each sentence of a pair holding text of its own."""
    pairs = as_texts(pairs, "pairs")
    if len(pairs) != len(texts):
        raise ValueError(f"Got {len(texts)} texts but {len(pairs)} pairs: give one pair per text.")
    for name, side in (("texts", texts), ("pairs", pairs)):
        check_visible(tokenizer, side, tokenizer(side, add_special_tokens=False)["input_ids"], name=name)
    return pairs


def _pad_alignments(
    encoding: BatchEncoding, alignments: list | None, tokenizer: PreTrainedTokenizerBase
) -> None:
    """Give the padded ``encoding`` the rows' ``tokenizers.Encoding`` objects, padded the same way.

    ``tokenizer.pad`` works on ids alone and drops them, and with them ``word_ids()``, ``tokens()`` and
    ``char_to_token()``; padding each Encoding as the ids were padded keeps those methods true.
    """
    if not alignments:
        return
    length = encoding["input_ids"].shape[1]
    for alignment in alignments:
        alignment.pad(
            length,
            direction=tokenizer.padding_side,
            pad_id=tokenizer.pad_token_id or 0,
            pad_type_id=tokenizer.pad_token_type_id,
            pad_token=tokenizer.pad_token or "[PAD]",
        )
    encoding._encodings = alignments


def takes_token_types(model: nn.Module) -> bool:
    """Whether ``model`` reads ``token_type_ids`` with more than one type.

    False for a model whose ``forward`` has no ``token_type_ids`` (DistilBERT) and for one with
    ``config.type_vocab_size == 1`` (klue/roberta and other RoBERTa checkpoints, trained without segment ids).
    """
    config = getattr(model, "config", None)
    if getattr(config, "type_vocab_size", 2) < 2:
        return False
    return "token_type_ids" in inspect.signature(model.forward).parameters


def drop_unusable_token_types(encoding: MutableMapping[str, Any], model: nn.Module) -> MutableMapping[str, Any]:
    """Remove ``token_type_ids`` from ``encoding`` (in place) when ``model`` can't use them.

    The trap: klue/roberta's tokenizer emits ``token_type_ids`` (1 for a pair's second sentence) while its
    model has ``type_vocab_size == 1``, so a sentence pair fails inside torch with a bare ``IndexError``.
    All-zero ids (single texts) are dropped silently: they change nothing. Ids of 1 (sentence pairs) are
    dropped with a warning (once per calling line): the model then sees the pair as its pre-training did,
    marked by the separator tokens only.

    Returns:
        ``encoding``, for chaining.
    """
    if "token_type_ids" not in encoding or takes_token_types(model):
        return encoding
    types = encoding.pop("token_type_ids")
    if torch.as_tensor(types).any():
        type_vocab_size = getattr(getattr(model, "config", None), "type_vocab_size", None)
        cause = (
            f"its config has type_vocab_size == {type_vocab_size} (as klue/roberta and other RoBERTa checkpoints)"
            if type_vocab_size is not None and type_vocab_size < 2
            else f"{type(model).__name__} takes no token_type_ids"
        )
        warnings.warn(
            f"Dropped the token_type_ids of a sentence pair: the tokenizer marks the second sentence with 1, but "
            f"{cause}, so those ids would index past its token-type table (an IndexError inside torch). The "
            "pair stays marked by its separator tokens, as in the model's pre-training. To do the same yourself, "
            "tokenize with return_token_type_ids=False.",
            UserWarning,
            stacklevel=3,
        )
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
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    texts: str | Sequence[str],
    pairs: str | Sequence[str] | None = None,
    **encode_kwargs: Any,
) -> tuple[BatchEncoding, Any]:
    """Encode texts and run the model once in eval mode, without gradients, returning every hidden state.

    Args:
        tokenizer: the checkpoint's tokenizer (checked with :func:`check_tokenizer`), first as everywhere in
            bertkit (``tokenizer, model = bertkit.load()``).
        model: a transformers encoder (``AutoModel`` or a task model). It runs in eval mode (no dropout) and
            is put back in the mode it was in; the inputs are moved to ``model.device``.
        texts, pairs: as in :func:`encode`.
        **encode_kwargs: as in :func:`encode`. ``token_type_ids`` the model can't use are
            dropped (see :func:`drop_unusable_token_types`).

    Raises:
        TypeError: the model given first (the tokenizer comes first). See also :func:`encode`.

    Returns:
        ``(encoding, outputs)``; ``outputs`` is the model's ``ModelOutput`` (typed ``Any``: its fields depend
        on the model, e.g. ``logits`` for a task head); ``outputs.hidden_states`` is a tuple of ``num_hidden_layers + 1`` tensors
        (batch, seq, hidden), the embedding layer first. ``encoding`` stays on the CPU.
    """
    if isinstance(tokenizer, nn.Module):
        raise TypeError(
            f"run got a model ({type(tokenizer).__name__}) where the tokenizer goes: call "
            "bertkit.run(tokenizer, model, texts), the order bertkit.load() returns them."
        )
    encoding = encode(tokenizer, texts, pairs, model=model, **encode_kwargs)
    inputs = {k: v for k, v in encoding.items() if k != "overflow_to_sample_mapping"}  # long_texts="chunk"
    with evaluating(model):  # eval mode and no_grad, the mode put back when the last thread leaves
        outputs = model(**{k: v.to(model.device) for k, v in inputs.items()}, output_hidden_states=True)
    return encoding, outputs
