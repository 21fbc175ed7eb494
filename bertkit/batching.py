"""Batching by length: a corpus read in blocks of texts, each block tokenized once and cut into batches of texts
of nearly the same length, so little padding is computed.

    >>> for start, texts in blocks(corpus):                      # BLOCK_SIZE texts at a time, read lazily
    ...     tokens = tokenize_block(tokenizer, texts, start, max_length=256, long_texts="error", stride=0)
    ...     for rows, batch in length_batches(tokenizer, tokens, batch_size=32, device="cpu"):
    ...         ...                                              # rows: which rows of the block are in the batch

Memory grows with :data:`BLOCK_SIZE`, not with the corpus.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from .long_texts import tokenize_long
from .texts import as_texts

__all__ = ["BLOCK_SIZE", "Tokenized", "Truncations", "blocks", "length_batches", "tokenize_block"]

BLOCK_SIZE = 4096
"""Texts read, tokenized, sorted by length and batched together."""


def blocks(texts: Sequence[str] | Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """``(start, texts)`` for consecutive blocks of at most :data:`BLOCK_SIZE` texts; an iterator is read once,
    lazily, and each block of it is validated as it is read (the index in an error counts from the corpus start)."""
    if isinstance(texts, Sequence):
        for start in range(0, len(texts), BLOCK_SIZE):
            yield start, list(texts[start : start + BLOCK_SIZE])
        return
    iterator = iter(texts)
    for start in itertools.count(0, BLOCK_SIZE):
        block = list(itertools.islice(iterator, BLOCK_SIZE))
        if not block and start:
            return
        yield start, as_texts(block, "texts" if start == 0 else f"texts[{start}:]")  # "texts[4096:][3]" = texts[4099]
        if len(block) < BLOCK_SIZE:
            return


@dataclass
class Truncations:
    """How many texts were read and cut to ``max_length`` so far, and the index of the first one cut."""

    seen: int = 0
    cut: int = 0
    first: int | None = None


@dataclass
class Tokenized:
    """A tokenized block: token ids per row, the text each row belongs to, and each row's token count.

    A row is a text, or with ``long_texts="chunk"`` one window of a text (``doc[row]`` is its text).
    """

    ids: dict[str, list[list[int]]]
    doc: list[int]
    lengths: np.ndarray
    n_texts: int
    truncations: Truncations = field(default_factory=Truncations)

    @property
    def chunked(self) -> bool:
        return len(self.doc) != self.n_texts


def tokenize_block(
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    start: int,
    *,
    max_length: int,
    long_texts: str,
    stride: int,
    truncations: Truncations | None = None,
) -> Tokenized:
    """One block tokenized under the long-text policy (:func:`bertkit.tokenize_long`); texts cut by
    ``long_texts="truncate"`` are counted in ``truncations``."""
    enc, doc, windows = tokenize_long(
        tokenizer, texts, max_length=max_length, long_texts=long_texts, stride=stride, start=start
    )
    ids = {k: v for k, v in enc.items() if k != "attention_mask"}  # tokenizer.pad rebuilds it per batch
    counts = truncations if truncations is not None else Truncations()
    counts.seen += len(texts)
    too_long = [i for i, w in enumerate(windows) if w > 1]
    if too_long and long_texts == "truncate":
        counts.first = start + too_long[0] if counts.first is None else counts.first
        counts.cut += len(too_long)
    lengths = np.fromiter((len(row) for row in ids["input_ids"]), dtype=np.int64, count=len(doc))
    return Tokenized(ids, list(doc), lengths, len(texts), counts)


def length_batches(
    tokenizer: PreTrainedTokenizerBase, tokens: Tokenized, batch_size: int, device: str | torch.device
) -> Iterator[tuple[np.ndarray, dict[str, Tensor]]]:
    """``(rows, padded batch)`` with up to ``batch_size`` rows of nearly the same length, longest first (so the
    biggest batch is met, and fails for want of memory, first); ``rows`` index the block's rows."""
    order = np.argsort(-tokens.lengths, kind="stable")
    for b in range(0, len(order), batch_size):
        rows = order[b : b + batch_size]
        picked: Any = {k: [v[i] for i in rows] for k, v in tokens.ids.items()}
        batch = tokenizer.pad(picked, return_tensors="pt")
        yield rows, {k: v.to(device) for k, v in batch.items()}
