"""Vectors for a whole corpus in one call: batched, sorted by length, optionally streamed to a ``.npy`` file.

    >>> import bertkit
    >>> vectors = bertkit.extract(["I love Paris.", "Hi"], layers=slice(-4, None))
    >>> vectors.shape                                  # (n_texts, n_layers, hidden); nothing is squeezed
    (2, 4, 384)

How it works, in the order things happen:

1. Texts are read in windows of :data:`WINDOW` texts (a list, a file's lines or a generator, which is read once).
   Each window is tokenized in one call, sorted by token count (longest first) and cut into batches of
   ``batch_size`` texts, so a batch holds texts of nearly the same length and little padding is computed.
2. Each batch runs through the bare encoder (``model.base_model``: a task head is never computed) under
   ``torch.inference_mode()``. Only the layers asked for are kept, and the forward pass stops after the
   highest of them (``layers=0`` runs the embeddings only; the pooler never runs). On a CPU the encoder's
   ``nn.Linear`` layers (about four fifths of the time, see benchmarks/README.md) run through oneDNN with their
   weights packed once per call, when that is faster on this machine than PyTorch's default matrix multiply
   (see :data:`bertkit.onednn.ONEDNN`).
3. Each layer is pooled with :func:`bertkit.pool` in the model's dtype, converted to ``dtype`` and written
   back in input order.

With ``out="vectors.npy"`` the rows of each window are appended to the file as soon as they are computed, so
memory stays flat however long the corpus is. The number of texts is not needed up front (a generator has
no length): the ``.npy`` header is written with room to spare and filled in with the final shape at the end.
The file appears under its name only when complete (it is written beside it as ``NAME.partial`` first); the
writer is :mod:`bertkit.npy_stream`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import warnings
import weakref
from collections.abc import Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import Any, overload

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

from .encoding import as_texts, check_pair, checked_max_length
from .eval_mode import evaluating
from .hooks import capture
from .layers import LayerSpec, layer_indices
from .loading import load, resolve_checkpoint
from .long_texts import check_policy, pool_chunks, tokenize_long
from .npy_stream import write_npy
from .openvino_encoder import OpenVINOEncoder
from .pooling import POOLING_MODES, pool
from .precision import check_precision
from .precision import prepare as prepare_precision

__all__ = ["WINDOW", "extract"]

WINDOW = 4096
"""Texts read, sorted and batched together. Memory grows with this, not with the corpus."""


@overload
def extract(
    texts: str | Iterable[str],
    checkpoint: str | os.PathLike | None = ...,
    *,
    layers: LayerSpec = ...,
    pooling: str = ...,
    batch_size: int = ...,
    max_length: int | None = ...,
    dtype: str | np.dtype = ...,
    precision: str = ...,
    out: str | os.PathLike | None = ...,
    progress: bool = ...,
    strict: bool = ...,
    long_texts: str = ...,
    stride: int = ...,
    tokenizer: PreTrainedTokenizerBase | None = ...,
    model: PreTrainedModel | None = ...,
) -> np.ndarray: ...


@overload
def extract(
    texts: str | Iterable[str],
    checkpoint: str | os.PathLike | None = ...,
    *,
    layers: LayerSpec = ...,
    pooling: None,
    batch_size: int = ...,
    max_length: int | None = ...,
    dtype: str | np.dtype = ...,
    precision: str = ...,
    out: str | os.PathLike | None = ...,
    progress: bool = ...,
    strict: bool = ...,
    long_texts: str = ...,
    stride: int = ...,
    tokenizer: PreTrainedTokenizerBase | None = ...,
    model: PreTrainedModel | None = ...,
) -> list[np.ndarray]: ...


def extract(
    texts: str | Iterable[str],
    checkpoint: str | os.PathLike | None = None,
    *,
    layers: LayerSpec = -1,
    pooling: str | None = "mean",
    batch_size: int = 32,
    max_length: int | None = None,
    dtype: str | np.dtype = "float32",
    precision: str = "float32",
    out: str | os.PathLike | None = None,
    progress: bool = True,
    strict: bool = False,
    long_texts: str = "truncate",
    stride: int = 0,
    tokenizer: PreTrainedTokenizerBase | None = None,
    model: PreTrainedModel | None = None,
) -> np.ndarray | list[np.ndarray]:
    """Sentence (or token) vectors for many texts, from one or several layers.

    Args:
        texts: a string, a list, or any iterable of strings (a generator or an open file's lines work and
            are read once). Each must be non-empty text; see :func:`bertkit.as_texts`.
        checkpoint: hub id or local directory, loaded with :func:`bertkit.load` (cached: a second call with
            the same checkpoint does not reload it). None: ``$BERTKIT_MODEL`` or the bundled all-MiniLM-L6-v2.
        layers: which hidden states: an index (``-1`` the last layer, ``0`` the embedding layer), a list
            (``[0, 3, 6]``), a slice (``slice(-4, None)``) or ``"all"`` (all ``num_hidden_layers + 1``);
            see :func:`bertkit.layer_indices`.
        pooling: one of :data:`bertkit.POOLING_MODES` (``"cls"``, ``"mean"``, ``"max"``,
            ``"mean_sqrt_len"``), or None for token vectors.
        batch_size: texts per forward pass.
        max_length: longest input in tokens, special tokens included; default the model's limit
            (:func:`bertkit.max_input_length`).
        dtype: dtype of the result, ``"float32"`` or ``"float16"`` (half the file size). Only the pooled
            vectors are converted; how the model computes is ``precision``.
        precision: how the encoder computes: ``"float32"`` (default), ``"bfloat16"`` (every vector within
            cosine 0.9999 of float32 on the bundled model; needs AVX-512 BF16 or AMX) or ``"int8"`` (int8
            weights and per-token activation scales: cosine mean at least 0.995, min 0.98; needs AVX-512 VNNI or
            AVX-VNNI). On a CPU both run the encoder compiled by OpenVINO (the first call compiles it). Measured
            figures and fallbacks (a warning, then PyTorch, or float32 where the CPU lacks the instructions):
            :mod:`bertkit.precision`.
        out: path of a ``.npy`` file to write instead of keeping the result in memory (needs ``pooling``).
        progress: show a tqdm progress bar (on stderr).
        strict: the same as ``long_texts="error"`` (kept for existing code).
        long_texts: what to do with a text longer than ``max_length``, see :mod:`bertkit.long_texts`:
            ``"truncate"`` (the default: cut, and one warning at the end gives how many were), ``"error"``, or
            ``"chunk"``: read it whole in windows of ``max_length`` tokens that overlap by ``stride``, pool
            each window, and average the window vectors weighted by their real tokens (``"max"``: the maximum).
        stride: with ``"chunk"``, the tokens two consecutive windows share.
        model, tokenizer: an already loaded pair, instead of ``checkpoint`` (both or neither).

    Returns:
        With ``pooling``: a float array of shape ``(n_texts, n_layers, hidden)``, row i for ``texts[i]``;
        ``n_layers`` is the number of layers asked for, 1 for an int (nothing is squeezed: use ``[:, 0]``).
        With ``out``: the same array read back from the file as a read-only ``np.memmap``.
        With ``pooling=None``: a list of n_texts arrays, ``(n_tokens_i, n_layers, hidden)`` each, one row per
        real token of text i (``[CLS]`` and ``[SEP]`` included, no padding).

    Raises:
        TypeError, ValueError: bad texts (None, not strings, empty), an unknown pooling mode or dtype, or a
            text longer than ``max_length`` with ``strict=True``.
        IndexError: a layer the model does not have (the message gives the valid range).
    """
    if pooling is not None and pooling not in POOLING_MODES:
        raise ValueError(f"Unknown pooling mode {pooling!r}. Valid modes: {POOLING_MODES}, or None for token vectors.")
    if out is not None and pooling is None:
        raise ValueError(
            "out= writes one vector per text, so it needs a pooling mode. For token vectors (pooling=None) "
            "keep the result in memory, or save each array yourself."
        )
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype not in (np.float16, np.float32, np.float64):
        raise ValueError(f"dtype={dtype!r} is not supported: use 'float32', or 'float16' for half the memory.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    check_precision(precision)
    if out is not None:  # checked before the model loads, not after the first window
        out = Path(out)
        if out.suffix != ".npy":
            raise ValueError(f"out={str(out)!r} must end in .npy (np.load reads it).")
        if not out.parent.is_dir():
            raise FileNotFoundError(f"The folder of out={str(out)!r} does not exist: create it first.")

    # A sequence is validated whole before any work, so a bad text fails fast with its real index.
    # An iterator can only be validated window by window as it is read.
    if isinstance(texts, str) or isinstance(texts, Sequence) or texts is None:
        texts = as_texts(texts)
    elif not isinstance(texts, Iterable):
        as_texts(texts)  # raises the usual TypeError

    tokenizer, model = _resolve_model(checkpoint, model, tokenizer)
    check_pair(tokenizer, model)
    max_length = checked_max_length(tokenizer, model, max_length)  # the same rule as encode
    if strict:
        long_texts = "error"
    check_policy(long_texts, stride, max_length, tokenizer.num_special_tokens_to_add())
    if long_texts == "chunk" and pooling is None:
        raise ValueError("long_texts='chunk' pools each window and then the windows: it needs a pooling mode.")
    encoder: Any = getattr(model, "base_model", model)  # transformers' config attributes are dynamic
    n_states = encoder.config.num_hidden_layers + 1
    wanted = layer_indices(n_states, layers)
    total = len(texts) if isinstance(texts, Sized) else None
    bar = tqdm(total=total, unit="text", desc="extract", disable=not progress, dynamic_ncols=True)
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(evaluating(model))  # before prepare_precision: OpenVINO exports the model as it will run
        # the encoder that runs: the model's own, an OpenVINO-compiled one or an int8 copy (bertkit.precision);
        # the context runs it in the chosen precision
        encoder, compute, _ = prepare_precision(encoder, precision, _input_names(tokenizer), sorted(set(wanted)))
        runner = _Runner(encoder, tokenizer, wanted, pooling, np_dtype, max_length, long_texts, stride)
        with compute:
            windows: Iterator[Any] = (runner.window(chunk, start, batch_size, bar) for start, chunk in _windows(texts))
            result: Any
            if out is not None:
                result = write_npy(out, windows, (len(wanted), encoder.config.hidden_size), np_dtype)
            elif pooling is None:
                result = [array for window in windows for array in window]
            else:
                result = _concatenate(list(windows))
    finally:
        bar.close()
        stack.close()
    if runner.truncated:
        warnings.warn(
            f"Truncated {runner.truncated} of {runner.seen} text(s) to max_length={max_length} tokens (the first "
            f"is texts[{runner.first_truncated}]). Pass long_texts='chunk' to read them whole in overlapping "
            "windows, or long_texts='error' to get an error instead.",
            stacklevel=2,
        )
    return result


@functools.lru_cache(maxsize=1)
def _load_cached(name: str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    return load(name)


def _resolve_model(checkpoint, model, tokenizer) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    if model is None and tokenizer is None:
        return _load_cached(resolve_checkpoint(checkpoint))
    if model is None or tokenizer is None:
        missing = "tokenizer" if tokenizer is None else "model"
        raise ValueError(f"Pass model= and tokenizer= together ({missing}= is missing): tokenizer, model = bertkit.load().")
    if checkpoint is not None:
        raise ValueError("Pass either checkpoint or model= and tokenizer=, not both.")
    return tokenizer, model


def _input_names(tokenizer: PreTrainedTokenizerBase) -> list[str]:
    """The model inputs each padded batch carries (``input_ids``, ``attention_mask``, maybe ``token_type_ids``)."""
    return list(tokenizer.pad(tokenizer(["a"]), return_tensors="pt").keys())


def _windows(texts: Sequence[str] | Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(start, texts) for consecutive windows of at most WINDOW texts; an iterator is read once, lazily."""
    if isinstance(texts, Sequence):
        for start in range(0, len(texts), WINDOW):
            yield start, list(texts[start : start + WINDOW])
        return
    iterator = iter(texts)
    for start in itertools.count(0, WINDOW):
        chunk = list(itertools.islice(iterator, WINDOW))
        if not chunk and start:
            return
        # The index in error messages counts from the start of the corpus: "texts[4096:][3]" is texts[4099].
        yield start, as_texts(chunk, "texts" if start == 0 else f"texts[{start}:]")
        if len(chunk) < WINDOW:
            return


def _concatenate(windows: list[np.ndarray]) -> np.ndarray:
    return windows[0] if len(windows) == 1 else np.concatenate(windows)


def _layer_list(encoder: nn.Module) -> tuple[str, nn.ModuleList] | None:
    """The name and the list of the encoder's ``num_hidden_layers`` blocks (``encoder.layer`` for BERT)."""
    config: Any = encoder.config
    n = config.num_hidden_layers
    for name, module in encoder.named_modules():
        if isinstance(module, nn.ModuleList) and len(module) == n:
            return name, module
    return None


_HOOKS_MATCH: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""encoder -> whether hooks on its layer list give exactly ``hidden_states`` (checked once per model)."""


class _Runner:
    """Runs windows of texts through the encoder and pools them; holds what one extract() call needs."""

    def __init__(self, encoder, tokenizer, wanted, pooling, dtype, max_length, long_texts, stride):
        self.encoder, self.tokenizer, self.wanted, self.pooling = encoder, tokenizer, wanted, pooling
        self.dtype, self.max_length, self.long_texts, self.stride = dtype, max_length, long_texts, stride
        self.torch_dtype = torch.from_numpy(np.empty(0, dtype)).dtype
        self.compiled = isinstance(encoder, OpenVINOEncoder)  # runs on the CPU; has no modules to hook
        self.device = torch.device("cpu") if self.compiled else next(encoder.parameters()).device
        self.needed = sorted(set(wanted))
        found = None if self.compiled else _layer_list(encoder)
        self.block_names: Any = None if found is None else [f"{found[0]}.{i}" for i in range(len(found[1]))]
        self.blocks: Any = None if found is None else found[1]  # None: use_hooks is False
        self.seen = self.truncated = 0
        self.first_truncated: int | None = None
        if self.blocks is not None and encoder not in _HOOKS_MATCH:
            _HOOKS_MATCH[encoder] = self._hooks_match_hidden_states()
        self.use_hooks = self.blocks is not None and _HOOKS_MATCH[encoder]

    # -- tokenizing ---------------------------------------------------------------------------------------
    def _tokenize(self, texts: list[str], start: int) -> tuple[BatchEncoding, list[int]]:
        """Token ids of a window of texts under the long-text policy, and the text of each row."""
        enc, doc, windows = tokenize_long(
            self.tokenizer, texts, max_length=self.max_length, long_texts=self.long_texts, stride=self.stride,
            start=start,
        )
        enc.pop("attention_mask", None)  # tokenizer.pad rebuilds it per batch
        too_long = [i for i, w in enumerate(windows) if w > 1]
        if too_long and self.long_texts == "truncate":
            if self.first_truncated is None:
                self.first_truncated = start + too_long[0]
            self.truncated += len(too_long)
        return enc, doc

    # -- the forward pass ---------------------------------------------------------------------------------
    def _states(self, batch: dict[str, Tensor], needed: list[int]) -> dict[int, Tensor]:
        """Hidden states {index: (batch, seq, hidden)} for the indices in ``needed`` (0 = embeddings)."""
        if self.compiled:
            return self.encoder.states(batch, needed)
        if not self.use_hooks:
            hidden = self.encoder(**batch, output_hidden_states=True).hidden_states
            return {i: hidden[i] for i in needed}
        return self._capture(batch, needed)

    def _capture(self, batch: dict[str, Tensor], needed: list[int]) -> dict[int, Tensor]:
        """Hidden states caught by hooks on the encoder's blocks; the forward pass stops after the last one.

        ``hidden_states[i]`` is the input of block i, and ``hidden_states[-1]`` the encoder's ``last_hidden_state``.
        """
        last = len(self.blocks)
        inner = [i for i in needed if i < last]
        names = [self.block_names[i] for i in inner]
        if needed[-1] < last:
            with capture(self.encoder, *names, inputs=True, stop=True) as captured:
                self.encoder(**batch)
            return {i: captured[name][0] for i, name in zip(inner, names)}
        with contextlib.ExitStack() as stack:
            captured: Any = stack.enter_context(capture(self.encoder, *names, inputs=True)) if names else {}
            output = self.encoder(**batch)
        return {**{i: captured[name][0] for i, name in zip(inner, names)}, last: output.last_hidden_state}

    def _hooks_match_hidden_states(self) -> bool:
        """Whether hooks capture exactly what ``output_hidden_states=True`` returns, on a two-text batch."""
        batch = self.tokenizer(["a test", "a longer test sentence"], padding=True, return_tensors="pt").to(self.device)
        try:
            with evaluating(self.encoder):
                reference = self.encoder(**batch, output_hidden_states=True).hidden_states
                captured = self._capture(dict(batch), list(range(len(self.blocks) + 1)))
        except Exception:
            return False
        return reference is not None and all(
            torch.equal(captured.get(i, torch.empty(0)), reference[i]) for i in range(len(reference))
        )

    # -- one window -----------------------------------------------------------------------------------------
    def window(self, texts: list[str], start: int, batch_size: int, bar) -> np.ndarray | list[np.ndarray]:
        """Vectors for one window of texts, in input order."""
        enc, doc = self._tokenize(texts, start)
        self.seen += len(texts)
        n_rows = len(doc)  # one row per text, or per window with long_texts="chunk"
        chunked = n_rows != len(texts)
        lengths = np.fromiter((len(ids) for ids in enc["input_ids"]), dtype=np.int64, count=n_rows)
        order = np.argsort(-lengths, kind="stable")  # longest first: the biggest batch is met (and fails) first
        hidden = self.encoder.config.hidden_size
        row_dtype = np.float32 if chunked else self.dtype  # windows are combined in float32, converted after
        pooled = None if self.pooling is None else np.empty((n_rows, len(self.wanted), hidden), row_dtype)
        tokens: list[Any] = [None] * len(texts)
        with torch.inference_mode():
            for b in range(0, n_rows, batch_size):
                rows = order[b : b + batch_size]
                batch = self.tokenizer.pad({k: [v[i] for i in rows] for k, v in enc.items()}, return_tensors="pt")
                batch = {k: v.to(self.device) for k, v in batch.items()}
                states = self._states(batch, self.needed)
                mask = batch["attention_mask"]
                if pooled is not None:
                    vectors = torch.stack([pool(states[i], mask, self.pooling) for i in self.wanted], dim=1)
                    pooled[rows] = vectors.to(torch.float32 if chunked else self.torch_dtype).cpu().numpy()
                else:
                    stacked = torch.stack([states[i] for i in self.wanted], dim=2)  # (batch, seq, k, hidden)
                    keep = mask.bool()
                    for r, row in enumerate(rows):
                        tokens[row] = stacked[r, keep[r]].to(self.torch_dtype).cpu().numpy()
                if not chunked:
                    bar.update(len(rows))
        if chunked:
            bar.update(len(texts))
        if chunked and pooled is not None:  # windows -> texts, weighted by each window's real tokens
            combined = pool_chunks(torch.from_numpy(pooled), torch.from_numpy(lengths), doc, len(texts), self.pooling)
            pooled = combined.numpy().astype(self.dtype, copy=False)
        return pooled if pooled is not None else tokens
