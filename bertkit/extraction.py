"""Vectors for a whole corpus in one call: batched by length, optionally streamed to a ``.npy`` file.

    >>> import bertkit
    >>> vectors = bertkit.extract(["I love Paris.", "Hi"], layers=slice(-4, None))
    >>> vectors.shape                                  # (n_texts, n_layers, hidden); nothing is squeezed
    (2, 4, 384)
    >>> tokens = bertkit.token_vectors(["I love Paris.", "Hi"])
    >>> [t.shape for t in tokens]                      # (n_tokens_i, n_layers, hidden) per text
    [(6, 1, 384), (3, 1, 384)]

How it works, in the order things happen:

1. Texts are read in blocks of :data:`bertkit.batching.BLOCK_SIZE` texts (a list, a file's lines or a generator,
   which is read once); each block is tokenized in one call and cut into batches of texts of nearly the same
   length (:mod:`bertkit.batching`).
2. Each batch runs through the bare encoder (``model.base_model``: a task head is never computed) in eval mode
   without gradients. Only the layers asked for are kept, and the forward pass stops after the highest of them
   (:mod:`bertkit.forward`; the pooler never runs).
3. Each layer is pooled with :func:`bertkit.pool` (``pooling="auto"``: the checkpoint's own recipe, normalized
   where it says so), converted to ``output_dtype`` and written back in input order.

With ``out="vectors.npy"`` the rows of each block are appended to the file as soon as they are computed, so
memory stays flat however long the corpus is (the writer is :mod:`bertkit.npy_stream`).

Threads may share one model: each call keeps its own state, and its hooks act only in its own thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .batching import blocks, length_batches, tokenize_block
from .extract_setup import Call, checked_out, warn_truncated
from .layers import LayerSpec
from .long_texts import pool_chunks
from .npy_stream import write_npy
from .pooling import POOLING, pool
from .recipe import sentence_recipe

__all__ = ["extract", "token_vectors"]


def extract(
    texts: str | Iterable[str],
    *,
    checkpoint: str | os.PathLike | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    model: PreTrainedModel | None = None,
    layers: LayerSpec = -1,
    pooling: str = "auto",
    prompt_name: str | None = None,
    prompt: str | None = None,
    batch_size: int = 32,
    max_length: int | None = None,
    long_texts: str = "error",
    stride: int = 0,
    dtype: str = "float32",
    output_dtype: str | np.dtype = "float32",
    out: str | os.PathLike | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Sentence vectors for many texts, from one or several layers.

    Args:
        texts: a string, a list, or any iterable of strings (a generator or an open file's lines work and
            are read once). Each must be non-empty text; see :func:`bertkit.as_texts`.
        checkpoint: hub id or local directory, loaded with :func:`bertkit.load` (cached: a second call with
            the same checkpoint does not reload it). None: ``$BERTKIT_MODEL`` or the bundled all-MiniLM-L6-v2.
        tokenizer, model: an already loaded pair, instead of ``checkpoint`` (both or neither).
        layers: which hidden states: an index (``-1`` the last layer, ``0`` the embedding layer), a list
            (``[0, 3, 6]``), a slice (``slice(-4, None)``) or ``"all"`` (all ``num_hidden_layers + 1``);
            see :func:`bertkit.layer_indices`.
        pooling: ``"auto"`` (the default): the checkpoint's own sentence recipe (:func:`bertkit.sentence_recipe`:
            its sentence-transformers pooling, then L2 normalization where its pipeline ends with ``Normalize``;
            mean pooling without normalization for a checkpoint that ships no recipe), as
            ``SentenceTransformer.encode`` does; or one of :data:`bertkit.POOLING` (``"cls"``, ``"mean"``,
            ``"max"``, ``"mean_sqrt_len"``), never normalized.
        prompt_name: the checkpoint's prompt to put before every text (e5: ``"query"`` or ``"passage"``; see
            ``sentence_recipe(...).prompts``). Without it, ``pooling="auto"`` puts the checkpoint's default prompt,
            if it names one, as sentence-transformers does.
        prompt: a text to put before every text, instead of a named prompt.

            With ``pooling="auto"`` the vectors equal ``SentenceTransformer(checkpoint).encode(texts)`` for texts
            within the length sentence-transformers truncates to (``sentence_recipe(...).max_length``); pass that
            as ``max_length`` to cut longer texts where it does.
        batch_size: texts per forward pass.
        max_length: longest input in tokens, special tokens included; default the model's limit
            (:func:`bertkit.max_input_length`).
        long_texts: what to do with a text longer than ``max_length``, see :mod:`bertkit.long_texts`:
            ``"error"`` (the default: a ValueError that names the text), ``"truncate"`` (cut, and one warning at
            the end gives how many were), or ``"chunk"``: read it whole in windows of ``max_length`` tokens that
            overlap by ``stride``, pool each window, and average the window vectors weighted by their real tokens
            (``"max"``: the maximum).
        stride: with ``"chunk"``, the tokens two consecutive windows share.
        dtype: how the encoder computes, one of :data:`bertkit.DTYPE`: ``"float32"`` (default), ``"bfloat16"``
            or ``"int8"``; the last two need the ``fast`` extra (see :mod:`bertkit.fast`).
        output_dtype: NumPy dtype of the result, ``"float32"`` or ``"float16"`` (half the file size).
        out: path of a ``.npy`` file to write instead of keeping the result in memory.
        progress: show a tqdm progress bar (on stderr).

    Returns:
        A float array of shape ``(n_texts, n_layers, hidden)``, row i for ``texts[i]``; ``n_layers`` is the
        number of layers asked for, 1 for an int (nothing is squeezed: use ``[:, 0]``). With ``out``: the same
        array read back from the file as a read-only ``np.memmap``.

    Raises:
        TypeError, ValueError: bad texts (None, not strings, empty), an unknown pooling mode or dtype, or a
            text longer than ``max_length`` with ``long_texts="error"``.
        IndexError: a layer the model does not have (the message gives the valid range).
    """
    if pooling != "auto" and pooling not in POOLING:
        raise ValueError(
            f"Unknown pooling {pooling!r}. Valid: 'auto' or {POOLING}; for token vectors use bertkit.token_vectors."
        )
    if prompt is not None and prompt_name is not None:
        raise ValueError("Pass prompt_name= (one of the checkpoint's prompts) or prompt= (your own text), not both.")
    path = checked_out(out)
    with Call.open(texts, checkpoint=checkpoint, tokenizer=tokenizer, model=model, layers=layers,
                   batch_size=batch_size, max_length=max_length, long_texts=long_texts, stride=stride, dtype=dtype,
                   output_dtype=output_dtype, progress=progress) as call:
        how = _Pooling.resolve(call, pooling, prompt_name, prompt)
        rows = (_pooled_block(call, start, block, how) for start, block in blocks(call.texts))
        result: np.ndarray
        if path is not None:
            result = write_npy(path, rows, (len(call.wanted), call.hidden), call.dtype)
        else:
            arrays = list(rows)
            result = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    warn_truncated(call)
    return result


def token_vectors(
    texts: str | Iterable[str],
    *,
    checkpoint: str | os.PathLike | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
    model: PreTrainedModel | None = None,
    layers: LayerSpec = -1,
    batch_size: int = 32,
    max_length: int | None = None,
    long_texts: str = "error",
    dtype: str = "float32",
    output_dtype: str | np.dtype = "float32",
    progress: bool = True,
) -> list[np.ndarray]:
    """Every real token's vector of each text, from one or several layers (the arguments are :func:`extract`'s).

    ``long_texts`` is ``"truncate"`` or ``"error"``: token vectors of a chunked text would repeat the tokens two
    windows share.

    Returns:
        A list of n_texts arrays, ``(n_tokens_i, n_layers, hidden)`` each, one row per real token of text i
        (``[CLS]`` and ``[SEP]`` included, no padding).
    """
    if long_texts == "chunk":
        raise ValueError(
            "long_texts='chunk' pools each window and then the windows: use bertkit.extract for that, or "
            "long_texts='truncate' / 'error' for token vectors."
        )
    with Call.open(texts, checkpoint=checkpoint, tokenizer=tokenizer, model=model, layers=layers,
                   batch_size=batch_size, max_length=max_length, long_texts=long_texts, stride=0, dtype=dtype,
                   output_dtype=output_dtype, progress=progress) as call:
        result = [array for start, block in blocks(call.texts) for array in _token_block(call, start, block)]
    warn_truncated(call)
    return result


@dataclass(frozen=True)
class _Pooling:
    """How one extract call pools: the mode, whether to L2-normalize, the text put before every input."""

    mode: str
    normalize: bool = False
    prompt: str = ""

    @classmethod
    def resolve(cls, call: Call, pooling: str, prompt_name: str | None, prompt: str | None) -> _Pooling:
        if prompt is not None:
            text = prompt
        elif pooling == "auto" or prompt_name is not None:
            text = sentence_recipe(call.tokenizer, call.model).prompt(prompt_name)
        else:
            text = ""
        if pooling != "auto":
            return cls(pooling, False, text)
        recipe = sentence_recipe(call.tokenizer, call.model)
        return cls(recipe.pooling, recipe.normalize, text)


def _pooled_block(call: Call, start: int, texts: list[str], how: _Pooling) -> np.ndarray:
    """``(len(texts), n_layers, hidden)``: one block's pooled vectors, in input order."""
    pooling = how.mode
    texts = [how.prompt + text for text in texts] if how.prompt else texts
    tokens = tokenize_block(call.tokenizer, texts, start, max_length=call.max_length, long_texts=call.long_texts,
                            stride=call.stride, truncations=call.truncations)
    pooled = np.empty((len(tokens.doc), len(call.wanted), call.hidden), np.float32)
    for rows, batch in length_batches(call.tokenizer, tokens, call.batch_size, call.device):
        states = call.states(batch)
        vectors = torch.stack([pool(states[i], batch["attention_mask"], pooling) for i in call.wanted], dim=1)
        pooled[rows] = vectors.to(torch.float32).cpu().numpy()
        call.bar.update(0 if tokens.chunked else len(rows))
    if tokens.chunked:  # windows -> texts, weighted by each window's real tokens
        call.bar.update(len(texts))
        doc, lengths = tokens.doc, torch.from_numpy(tokens.lengths)
        pooled = pool_chunks(torch.from_numpy(pooled), lengths, doc, len(texts), pooling).numpy()
    if how.normalize:  # each layer's vector to length 1, as sentence-transformers' Normalize
        pooled = torch.nn.functional.normalize(torch.from_numpy(pooled), dim=-1).numpy()
    return pooled.astype(call.dtype, copy=False)


def _token_block(call: Call, start: int, texts: list[str]) -> list[np.ndarray]:
    """One block's token vectors, ``(n_tokens_i, n_layers, hidden)`` per text, in input order."""
    tokens = tokenize_block(call.tokenizer, texts, start, max_length=call.max_length, long_texts=call.long_texts,
                            stride=0, truncations=call.truncations)
    arrays: list[Any] = [None] * len(texts)
    for rows, batch in length_batches(call.tokenizer, tokens, call.batch_size, call.device):
        states = call.states(batch)
        stacked = torch.stack([states[i] for i in call.wanted], dim=2)  # (batch, seq, k, hidden)
        keep = batch["attention_mask"].bool()
        for r, row in enumerate(rows):
            arrays[row] = stacked[r, keep[r]].to(torch.float32).cpu().numpy().astype(call.dtype, copy=False)
        call.bar.update(len(rows))
    return arrays


