"""One policy for texts longer than the model reads: ``long_texts="error" | "truncate" | "chunk"``.

Every entry point that tokenizes (:func:`bertkit.encode` and :func:`bertkit.run`, :func:`bertkit.extract`,
and word vectors) asks this module two things: how many tokens to read (:func:`max_input_length`) and how
to tokenize texts that are longer (:func:`tokenize_long`).

- ``"error"``: a ``ValueError`` that names the first long text and its token count.
- ``"truncate"``: keep the first ``max_length`` tokens (the final ``[SEP]`` is kept); the rest is lost.
- ``"chunk"``: cut the text into windows of ``max_length`` tokens that overlap by ``stride`` tokens, with the
  tokenizer's own ``return_overflowing_tokens=True`` (each window gets its own ``[CLS]`` and ``[SEP]``);
  ``overflow_to_sample_mapping`` says which text each window came from, and :func:`pool_chunks` pools the
  window vectors back into one vector per text, weighted by each window's real tokens.

    >>> enc, doc, windows = tokenize_long(tokenizer, ["a very long text ..."], max_length=256, long_texts="chunk", stride=32)
    >>> doc                                  # row i of enc belongs to text doc[i]
    [0, 0, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

from .texts import check_visible

__all__ = [
    "LONG_TEXTS",
    "LongTokens",
    "check_policy",
    "max_input_length",
    "pool_chunks",
    "position_limit",
    "position_offset",
    "tokenize_long",
]

LONG_TEXTS = ("error", "truncate", "chunk")
"""What to do with a text longer than ``max_length`` tokens."""

_NO_LIMIT = 10**6  # tokenizers without a limit report model_max_length as a huge sentinel (1e30)
_PADDED_POSITIONS = ("roberta", "xlm-roberta", "camembert")  # position ids start at pad_token_id + 1
_DEFAULT_LIMIT = 512  # a tokenizer with no limit and no model to ask


def position_limit(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel | None = None) -> int:
    """The most tokens (special tokens included) the pair can read at all.

    The smaller of the tokenizer's ``model_max_length`` and the model's position table
    (``config.max_position_embeddings``, less :func:`position_offset`: the ``pad_token_id + 1`` positions
    the RoBERTa family never uses, 2 for ``roberta-base`` and bge-m3). A longer input fails inside the model.
    512 when neither says.
    """
    limits = []
    if tokenizer.model_max_length and tokenizer.model_max_length < _NO_LIMIT:
        limits.append(int(tokenizer.model_max_length))
    if model is not None and getattr(model.config, "max_position_embeddings", None):
        limits.append(int(model.config.max_position_embeddings) - position_offset(model))
    return min(limits) if limits else _DEFAULT_LIMIT


def position_offset(model: PreTrainedModel) -> int:
    """The first position id the model uses: ``pad_token_id + 1`` where position ids skip the padding id.

    Read from the model's position embedding (``padding_idx`` set: RoBERTa, XLM-RoBERTa, CamemBERT), else from
    the config of those families; 0 for BERT, ELECTRA, DistilBERT and others that count from 0.
    """
    for name, module in model.named_modules():
        if name.endswith("position_embeddings") and isinstance(module, torch.nn.Embedding):
            return int(module.padding_idx) + 1 if module.padding_idx is not None else 0
    if model.config.model_type in _PADDED_POSITIONS and model.config.pad_token_id is not None:
        return int(model.config.pad_token_id) + 1
    return 0


def max_input_length(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel | None = None) -> int:
    """How many tokens (special tokens included) bertkit reads by default: the one place this is decided.

    :func:`position_limit`: the smaller of the tokenizer's ``model_max_length`` (its ``tokenizer_config.json``)
    and the model's position table (``config.json``, less the RoBERTa family's padding offset). Only those two
    files decide, so the same checkpoint gets the same limit on every run. sentence-transformers' own
    ``max_seq_length`` (the length its pipeline truncates to) is part of the checkpoint's sentence recipe:
    ``bertkit.sentence_recipe(tokenizer, model).max_length``; pass it as ``max_length=`` to read what
    ``SentenceTransformer.encode`` reads.
    """
    return position_limit(tokenizer, model)


def check_policy(long_texts: str, stride: int, max_length: int, n_special: int = 2) -> None:
    """Raise ``ValueError`` for an unknown policy or a stride that does not fit the window.

    ``stride`` is the overlap between windows, in tokens; it must be smaller than the window's
    ``max_length - n_special`` content tokens, or the tokenizer would never move forward.
    """
    if long_texts not in LONG_TEXTS:
        raise ValueError(f"long_texts={long_texts!r} is not one of {LONG_TEXTS}.")
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 0:
        raise ValueError(f"stride must be a non-negative integer (tokens of overlap), got {stride!r}.")
    if stride and long_texts != "chunk":
        raise ValueError(f"stride={stride} only applies to long_texts='chunk' (got long_texts={long_texts!r}).")
    window = max_length - n_special
    if stride >= window:
        raise ValueError(
            f"stride={stride} must be smaller than the window: max_length={max_length} leaves {window} tokens "
            f"of text per window once the {n_special} special tokens are in. Use a stride below {window} "
            f"(a quarter of it, {window // 4}, is common), or a larger max_length."
        )


class LongTokens(NamedTuple):
    """What :func:`tokenize_long` returns."""

    encoding: BatchEncoding
    """``input_ids``, ``attention_mask`` (and ``token_type_ids`` if the tokenizer makes them): lists of rows;
    for single texts with a fast tokenizer it keeps each row's ``tokenizers.Encoding`` (``word_ids(r)``)."""
    doc: list[int]
    """``doc[r]``: the index in ``texts`` of row r (the tokenizer's ``overflow_to_sample_mapping``)."""
    windows: list[int]
    """Per text, how many windows of ``max_length`` tokens it fills: 1 when it fits, more when it is long."""


def tokenize_long(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    pairs: Sequence[str] | None = None,
    *,
    max_length: int,
    long_texts: str = "error",
    stride: int = 0,
    start: int = 0,
) -> LongTokens:
    """Tokenize texts (no padding, no tensors), applying the long-text policy in one tokenizer call.

    Args:
        tokenizer: a fast tokenizer (``return_overflowing_tokens`` needs one).
        texts: n validated texts; ``pairs``: optional second texts (``"chunk"`` refuses pairs).
        max_length: tokens per row, special tokens included.
        long_texts: one of :data:`LONG_TEXTS`.
        stride: overlap between consecutive windows with ``"chunk"``.
        start: index of ``texts[0]`` in the caller's corpus, for error messages.

    Returns:
        ``LongTokens(encoding, doc, windows)``: ``encoding`` maps ``input_ids``, ``attention_mask`` (and
        ``token_type_ids`` if the tokenizer makes them) to lists of rows; ``doc[r]`` is the index in ``texts``
        of row r; ``windows[i]`` counts the windows of text i (with stride 0 unless ``"chunk"``). Without
        ``"chunk"`` there is one row per text and ``doc == list(range(n))``.

    Raises:
        ValueError: a long text with ``"error"`` (naming it and its token count), a bad policy or stride.
    """
    n_special = tokenizer.num_special_tokens_to_add(pair=pairs is not None)
    check_policy(long_texts, stride, max_length, n_special)
    if pairs is not None:
        if long_texts == "chunk":
            raise ValueError("long_texts='chunk' is for single texts, not sentence pairs: use 'truncate' or 'error'.")
        return _tokenize_pairs(tokenizer, texts, pairs, max_length, long_texts, start)
    # One call: the windows of a text are cut from one tokenization of it. Without "chunk" the first window
    # (stride 0) is exactly what truncation=True keeps, and the other windows tell how long the text was.
    enc = tokenizer(
        list(texts),
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
    )
    if "overflow_to_sample_mapping" not in enc:  # slow (Python) tokenizers do not map windows to texts
        raise TypeError(
            f"{type(tokenizer).__name__} is a slow tokenizer; bertkit's long-text policy needs a fast one "
            "(AutoTokenizer.from_pretrained(checkpoint, use_fast=True), which bertkit.load uses)."
        )
    doc = [int(d) for d in enc.pop("overflow_to_sample_mapping")]
    check_visible(tokenizer, texts, enc["input_ids"], doc, start=start)  # a text of invisible characters only
    alignments = enc.encodings  # one tokenizers.Encoding per row: word_ids(), char_to_token() of the result
    enc = {key: list(value) for key, value in enc.items() if key != "overflowing_tokens"}
    windows = np.bincount(doc, minlength=len(texts))
    if long_texts == "chunk":
        return LongTokens(BatchEncoding(enc, encoding=alignments), doc, windows.tolist())
    too_long = np.flatnonzero(windows > 1)
    if len(too_long) and long_texts == "error":
        first = int(too_long[0])
        rows = [r for r, d in enumerate(doc) if d == first]
        n_tokens = sum(len(enc["input_ids"][r]) - n_special for r in rows) + n_special  # stride 0: windows partition it
        raise ValueError(
            f"texts[{start + first}] is longer than max_length={max_length} tokens: it has {n_tokens} "
            f"({len(too_long)} of {len(texts)} text(s) are too long). Pass long_texts='truncate' to cut them, or "
            "long_texts='chunk' (with stride=) to read them whole in overlapping windows."
        )
    first_rows = np.flatnonzero(np.r_[True, np.diff(doc) != 0])  # the first window of every text
    kept = {key: [value[r] for r in first_rows] for key, value in enc.items()}
    kept_alignments = [alignments[r] for r in first_rows] if alignments else None
    return LongTokens(BatchEncoding(kept, encoding=kept_alignments), list(range(len(texts))), windows.tolist())


def _tokenize_pairs(tokenizer, texts, pairs, max_length, long_texts, start):
    """Pairs: the tokenizer cannot return overflowing windows of a pair cut "longest_first", so one token more
    than allowed marks the long pairs; only those are tokenized again (once) when they are truncated."""
    enc = dict(tokenizer(list(texts), list(pairs), truncation=True, max_length=max_length + 1))
    too_long = [i for i, ids in enumerate(enc["input_ids"]) if len(ids) > max_length]
    if too_long and long_texts == "error":
        raise ValueError(
            f"texts[{start + too_long[0]}] with its pair is longer than max_length={max_length} tokens "
            f"({len(too_long)} of {len(texts)} pair(s) are too long). Pass long_texts='truncate' to cut them."
        )
    if too_long:
        cut = tokenizer(
            [texts[i] for i in too_long], [pairs[i] for i in too_long], truncation=True, max_length=max_length
        )
        for key, values in enc.items():
            for i, row in zip(too_long, cut[key]):
                values[i] = row
    long_set = set(too_long)
    windows = [2 if i in long_set else 1 for i in range(len(texts))]  # 2: "longer than one window"
    return LongTokens(BatchEncoding(enc), list(range(len(texts))), windows)


def pool_chunks(
    vectors: torch.Tensor, weights: torch.Tensor, doc: Sequence[int] | torch.Tensor, n_docs: int, pooling: str = "mean"
) -> torch.Tensor:
    """Pool window vectors back into one vector per text.

    Args:
        vectors: (n_windows, ..., hidden), one pooled vector (or a stack of layers) per window.
        weights: (n_windows,) real tokens per window (its attention mask's sum, ``[CLS]`` and ``[SEP]``
            included); a token in an overlap counts once for every window it is in (twice when the stride is at
            most half the window).
        doc: (n_windows,) the text each window belongs to (``overflow_to_sample_mapping``).
        n_docs: the number of texts; each must have at least one window.
        pooling: the mode the window vectors were pooled with (:func:`bertkit.pool`). ``"max"``: the element-wise
            maximum over the windows (so the maximum over all their tokens). ``"mean"``: the mean of the window
            vectors weighted by their real tokens, which is the mean of all the windows' tokens (a token counts once
            for every window it is in: twice in the overlap of two windows when the stride is at most half a
            window, more often with a larger stride). ``"mean_sqrt_len"``: each window's sum of tokens
            (its vector times the square root of its tokens) added up and divided by the square root of all the
            windows' tokens, so the √N scaling covers the whole text. ``"cls"`` is refused: each window has its
            own ``[CLS]``, and their average is not the text's (flair refuses it too); use ``"mean"``, or
            ``long_texts="truncate"`` to keep the first window's ``[CLS]``.

    Returns:
        (n_docs, ..., hidden) in the dtype of ``vectors``.

    Raises:
        ValueError: ``pooling="cls"``, or ``doc``/``weights`` that do not match ``vectors``.
    """
    if pooling == "cls":
        raise ValueError(
            "pooling='cls' with long_texts='chunk' would average the [CLS] vectors of the windows, which is not the "
            "text's [CLS] vector. Use pooling='mean' (or 'max', 'mean_sqrt_len') to read long texts in windows, or "
            "long_texts='truncate' to keep the [CLS] vector of the first window."
        )
    doc = torch.as_tensor(doc, dtype=torch.long, device=vectors.device)
    if doc.shape[0] != vectors.shape[0] or weights.shape[0] != vectors.shape[0]:
        raise ValueError(
            f"{vectors.shape[0]} window vectors but {doc.shape[0]} doc ids and {weights.shape[0]} weights."
        )
    counts = torch.bincount(doc, minlength=n_docs)
    if len(counts) > n_docs or bool((counts == 0).any()):
        raise ValueError(f"doc must give every one of the {n_docs} texts at least one window, and no other index.")
    index = doc.view(-1, *([1] * (vectors.dim() - 1))).expand_as(vectors)
    if pooling == "max":
        out = torch.full((n_docs, *vectors.shape[1:]), float("-inf"), dtype=vectors.dtype, device=vectors.device)
        return out.scatter_reduce(0, index, vectors, reduce="amax")
    shape = (-1, *([1] * (vectors.dim() - 1)))
    w = weights.to(torch.float64)
    # each window's sum of token vectors: mean x n, or mean_sqrt_len x sqrt(n)
    sums = vectors.to(torch.float64) * (w.sqrt() if pooling == "mean_sqrt_len" else w).view(shape)
    total = torch.zeros((n_docs, *vectors.shape[1:]), dtype=torch.float64, device=vectors.device).index_add_(0, doc, sums)
    n = torch.zeros(n_docs, dtype=torch.float64, device=vectors.device).index_add_(0, doc, w)
    return (total / (n.sqrt() if pooling == "mean_sqrt_len" else n).view(shape)).to(vectors.dtype)
