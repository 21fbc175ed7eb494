"""What one :func:`bertkit.extract` or :func:`bertkit.token_vectors` call needs while it runs: its arguments
checked, its model resolved (and cached per process), and the model in eval mode at the compute dtype.

Each call gets its own :class:`Call`; nothing in it is shared with another call or thread.
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .batching import Truncations
from .encoding import checked_max_length
from .eval_mode import evaluating
from .forward import LayerStates
from .layers import layer_indices
from .loading import load, resolve_checkpoint
from .long_texts import check_policy
from .texts import as_texts
from .vocabulary import check_tokenizer

__all__ = ["DTYPE", "Call", "check_dtype", "checked_out", "load_cached", "resolve_model", "warn_truncated"]

DTYPE = ("float32", "bfloat16", "int8")
"""Compute dtypes of :func:`bertkit.extract`'s ``dtype=``: float32 runs the model as it is; the others need the
``fast`` extra (:mod:`bertkit.fast`)."""


def check_dtype(dtype: str) -> str:
    """``dtype`` itself, or a ValueError that lists the valid compute dtypes."""
    if dtype not in DTYPE:
        raise ValueError(
            f"dtype={dtype!r} is not a compute dtype: use one of {DTYPE} (the NumPy dtype of the result is "
            "output_dtype=)."
        )
    return dtype


@dataclass
class Call:
    """One call's state: how to run a batch (``states``), where batches go, and what to do with long texts."""

    texts: Sequence[str] | Iterable[str]
    tokenizer: PreTrainedTokenizerBase
    model: PreTrainedModel
    states: Callable[[dict[str, Tensor]], dict[int, Tensor]]
    device: torch.device
    wanted: list[int]
    hidden: int
    batch_size: int
    max_length: int
    long_texts: str
    stride: int
    dtype: np.dtype
    bar: Any
    truncations: Truncations

    @classmethod
    @contextlib.contextmanager
    def open(cls, texts: Any, *, checkpoint: Any, tokenizer: Any, model: Any, layers: Any, batch_size: int,
             max_length: int | None, long_texts: str, stride: int, dtype: str, output_dtype: Any,
             progress: bool) -> Iterator[Call]:
        """Check the arguments, load the model, and run the block in eval mode at the compute ``dtype``."""
        np_dtype = _checked_output_dtype(output_dtype)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        check_dtype(dtype)
        texts = _checked_texts(texts)
        tokenizer, model = resolve_model(checkpoint, tokenizer, model)
        check_tokenizer(tokenizer, model)
        max_length = checked_max_length(tokenizer, model, max_length)  # the same rule as encode
        check_policy(long_texts, stride, max_length, tokenizer.num_special_tokens_to_add())
        encoder: Any = getattr(model, "base_model", model)  # transformers' config attributes are dynamic
        wanted = layer_indices(encoder.config.num_hidden_layers + 1, layers)
        total = len(texts) if isinstance(texts, Sized) else None
        with contextlib.ExitStack() as stack:
            bar = stack.enter_context(tqdm(total=total, unit="text", desc="extract", disable=not progress,
                                           dynamic_ncols=True))
            stack.enter_context(evaluating(model))  # before the fast path: OpenVINO exports it as it runs
            states, device = _states(stack, encoder, tokenizer, dtype, sorted(set(wanted)))
            yield cls(texts, tokenizer, model, states, device, wanted, encoder.config.hidden_size, batch_size, max_length,
                      long_texts, stride, np_dtype, bar, Truncations())


def _states(stack: contextlib.ExitStack, encoder: Any, tokenizer, dtype: str, needed: list[int]):
    """(batch -> {index: hidden state}, device of the batches) for the encoder computing in ``dtype``.

    float32 runs the model as it is; any other dtype goes through :mod:`bertkit.fast`, imported only then.
    """
    if dtype == "float32":
        return LayerStates(encoder, needed), next(encoder.parameters()).device
    from .fast import prepare

    states, context, device = prepare(encoder, dtype, _input_names(tokenizer), needed)
    stack.enter_context(context)
    return states, device


def warn_truncated(call: Call) -> None:
    counts = call.truncations
    if counts.cut:
        warnings.warn(
            f"Truncated {counts.cut} of {counts.seen} text(s) to max_length={call.max_length} tokens (the first "
            f"is texts[{counts.first}]). Pass long_texts='chunk' to read them whole in overlapping windows, or "
            "long_texts='error' to get an error instead.",
            stacklevel=3,  # the caller of extract or token_vectors
        )


def _checked_output_dtype(dtype: str | np.dtype) -> np.dtype:
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype not in (np.float16, np.float32, np.float64):
        raise ValueError(
            f"output_dtype={dtype!r} is not supported: use 'float32', or 'float16' for half the memory (the compute "
            "dtype is dtype=)."
        )
    return np_dtype


def checked_out(out: str | os.PathLike | None) -> Path | None:
    """``out`` as a Path, checked before the model loads (not after the first block)."""
    if out is None:
        return None
    path = Path(out)
    if path.suffix != ".npy":
        raise ValueError(f"out={str(path)!r} must end in .npy (np.load reads it).")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"The folder of out={str(path)!r} does not exist: create it first.")
    return path


def _checked_texts(texts: Any) -> Sequence[str] | Iterable[str]:
    """A sequence is validated whole before any work, so a bad text fails fast with its real index; an iterator
    can only be validated block by block as it is read."""
    if isinstance(texts, str) or isinstance(texts, Sequence) or texts is None:
        return as_texts(texts)  # type: ignore[arg-type]  # None is refused with a clear TypeError
    if not isinstance(texts, Iterable):
        as_texts(texts)  # raises the usual TypeError
    return texts


@functools.lru_cache(maxsize=1)
def load_cached(name: str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    return load(name)


def resolve_model(checkpoint, tokenizer, model) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    if model is None and tokenizer is None:
        return load_cached(resolve_checkpoint(checkpoint))
    if model is None or tokenizer is None:
        missing = "tokenizer" if tokenizer is None else "model"
        raise ValueError(f"Pass model= and tokenizer= together ({missing}= is missing): tokenizer, model = bertkit.load().")
    if checkpoint is not None:
        raise ValueError("Pass either checkpoint or model= and tokenizer=, not both.")
    return tokenizer, model


def _input_names(tokenizer: PreTrainedTokenizerBase) -> list[str]:
    """The model inputs each padded batch carries (``input_ids``, ``attention_mask``, maybe ``token_type_ids``)."""
    return list(tokenizer.pad(tokenizer(["a"]), return_tensors="pt").keys())
