"""Word and span vectors: pool the subword tokens of each word (or of any character span) into one vector.

A tokenizer splits a word into one or more pieces (WordPiece: ``em ##bed ##ding ##s``; SentencePiece:
``▁em bed ding s``; byte-level BPE: ``Ġem bed ding s``, with Hangul syllables as UTF-8 bytes), so a model gives
one vector per piece, not per word. :func:`word_vectors` finds each word's pieces with the fast tokenizer's
``word_ids()`` (the words its pre-tokenizer made: whitespace and punctuation) or with character spans the caller
gives (``offset_mapping``: e.g. Korean morphemes from kiwipiepy, or 어절 from :func:`whitespace_spans`), never from
the piece strings. Pieces that stand for no character of the text are left out: a lone ``▁`` or ``Ġ`` (a space
marker), a piece of whitespace, a piece whose offsets are empty. So a word is never empty or whitespace, and
``"first"`` is the first piece that holds characters. It combines the chosen layers and pools the pieces:

- ``subtoken_pooling``: ``"first"`` piece, ``"last"`` piece, ``"first_last"`` (the two concatenated) or
  ``"mean"`` of all pieces. These are flair's ``TransformerWordEmbeddings(subtoken_pooling=...)`` modes with
  the same meaning (flair also concatenates for ``first_last``); AllenNLP's mismatched embedder calls the
  first/mean choice ``sub_token_mode``.
- ``layers`` + ``layer_pooling``: which hidden states (as :func:`bertkit.select_layers`: ``-1``, ``[-4, -3,
  -2, -1]``, ``slice(-4, None)``, ``"all"``) and how to combine them: ``"mean"`` (flair's ``layer_mean=True``),
  ``"sum"`` (the BERT paper's and McCormick's "sum of the last four") or ``"concat"`` (the paper's best
  feature-based NER variant).

Layers are combined first, then pieces, as flair does. For sums and means the order does not matter; for
``layer_pooling="concat"`` with ``"first_last"`` it fixes the layout: the first piece's layers, then the last
piece's layers.

Long texts follow the library's one policy (:mod:`bertkit.long_texts`): ``long_texts="error" | "truncate" |
"chunk"``; with ``"chunk"`` each piece is read from the overlapping window where it has the most context. The
model runs in eval mode without gradients (:func:`bertkit.eval_mode.evaluating`), at most ``batch_size`` windows
per forward pass, and only the layers asked for are kept.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

from ._pieces import Span, best_window, check_spans, groups, window_starts
from .encoding import checked_max_length
from .eval_mode import evaluating
from .forward import LayerStates
from .layers import LAYER_POOLING, LayerSpec, combine_layers, layer_indices
from .long_texts import LONG_TEXTS, tokenize_long
from .texts import as_texts
from .vocabulary import check_tokenizer

SUBTOKEN_POOLING = ("first", "last", "first_last", "mean")
"""How :func:`word_vectors` turns a word's pieces into one vector (flair's ``subtoken_pooling`` names)."""

CUT_PIECES = ("error", "widen")
"""What :func:`word_vectors` does with a caller's span that cuts a piece: raise, or widen it to whole pieces."""

@dataclass(frozen=True)
class WordVectors:
    """The words of one text and one vector per word.

    Attributes:
        text: the text.
        words: ``text[start:end]`` for each word, in order.
        spans: ``(start, end)`` character offsets into ``text``, one per word.
        pieces: the subword tokens each word was pooled from.
        vectors: (n_words, dim) float tensor on the CPU; ``dim`` is the hidden size, times the number of layers
            for ``layer_pooling="concat"``, times 2 for ``subtoken_pooling="first_last"``.
    """

    text: str
    words: tuple[str, ...]
    spans: tuple[Span, ...]
    pieces: tuple[tuple[str, ...], ...]
    vectors: Tensor

    def __len__(self) -> int:
        return len(self.words)

    def vector(self, index: int) -> Tensor:
        """The (dim,) vector of word ``index`` (negative counts from the end); a clear error outside the text."""
        n = len(self.words)
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"word index must be an int, not {type(index).__name__}: use .find(word) for a string.")
        if not -n <= index < n:
            raise ValueError(
                f"word index {index} is outside this text, which has {n} words (valid: 0..{n - 1} or -{n}..-1): "
                f"{list(self.words)!r:.200}"
            )
        return self.vectors[index]

    def find(self, word: str) -> list[int]:
        """Indices of the words equal to ``word`` (empty if none)."""
        return [i for i, w in enumerate(self.words) if w == word]


def whitespace_spans(text: str) -> list[Span]:
    """Character spans of the whitespace-separated units of ``text`` (Korean 어절), e.g. for ``spans=``."""
    return [m.span() for m in re.finditer(r"\S+", text)]


def _check_modes(subtoken_pooling: str, layer_pooling: str, long_texts: str, cut_pieces: str) -> None:
    if cut_pieces not in CUT_PIECES:
        raise ValueError(f"Unknown cut_pieces {cut_pieces!r}. Valid: {CUT_PIECES}.")
    if subtoken_pooling not in SUBTOKEN_POOLING:
        raise ValueError(f"Unknown subtoken_pooling {subtoken_pooling!r}. Valid: {SUBTOKEN_POOLING}.")
    if layer_pooling not in LAYER_POOLING:
        raise ValueError(f"Unknown layer_pooling {layer_pooling!r}. Valid: {LAYER_POOLING}.")
    if long_texts not in LONG_TEXTS:
        raise ValueError(f"Unknown long_texts policy {long_texts!r}. Valid: {LONG_TEXTS}.")


def _pool_pieces(pieces: Tensor, subtoken_pooling: str) -> Tensor:
    """(n_pieces, dim) vectors of one word's pieces -> (dim,), or (2 * dim,) for ``"first_last"``."""
    if subtoken_pooling == "first":
        return pieces[0]
    if subtoken_pooling == "last":
        return pieces[-1]
    if subtoken_pooling == "first_last":
        return torch.cat((pieces[0], pieces[-1]))
    return pieces.mean(dim=0)


def _token_vectors(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, rows: BatchEncoding,
                   picked: list[int], layer_pooling: str, batch_size: int) -> list[Tensor]:
    """(seq_r, dim) token vectors of every row (window), ``batch_size`` rows per forward pass; only the picked
    hidden states are kept, and nothing above the highest of them is computed."""
    vectors: list[Tensor] = []
    n_rows = len(rows["input_ids"])
    with evaluating(model):
        layer_states = LayerStates(model.base_model, picked)  # stops after the highest layer asked for
        for first in range(0, n_rows, batch_size):
            chunk = {key: value[first : first + batch_size] for key, value in rows.items()}
            enc = tokenizer.pad(chunk, padding=True, return_tensors="pt").to(model.device)
            states = layer_states(dict(enc))
            chosen = torch.stack([states[i] for i in picked])  # (k, rows, seq, hidden), in the order asked for
            tokens = combine_layers(chosen, layers="all", layer_pooling=layer_pooling).float().cpu()
            vectors += [tokens[r, : len(ids)] for r, ids in enumerate(chunk["input_ids"])]
    return vectors


def _text_words(tokenizer: PreTrainedTokenizerBase, full: BatchEncoding, i: int, text: str,
                spans: list[Span] | None, window_ids: list[list[int]], window_tokens: list[Tensor], stride: int,
                cut_pieces: str, subtoken_pooling: str, dim: int) -> tuple[WordVectors, int]:
    """One text's words and vectors from its windows' token vectors; and how many words did not fit (truncated)."""
    mask = full["special_tokens_mask"][i]
    content_index = {p: c for c, p in enumerate(q for q, m in enumerate(mask) if not m)}
    windows = window_starts(tokenizer, window_ids, stride, [full["input_ids"][i][p] for p in content_index])
    kept, vectors, dropped = [], [], 0
    for span, positions in groups(tokenizer, full, i, text, spans, cut_pieces):
        where = [best_window(content_index[p], windows) for p in positions]
        if any(w is None for w in where):  # truncated: a piece past the end
            dropped += 1
            continue
        pieces = torch.stack([window_tokens[w][pos] for w, pos in where])  # (n_pieces, dim)
        vectors.append(_pool_pieces(pieces, subtoken_pooling))
        kept.append((span, positions))
    row_tokens = full.tokens(i)
    return WordVectors(
        text=text,
        words=tuple(text[a:b] for (a, b), _ in kept),
        spans=tuple((a, b) for (a, b), _ in kept),
        pieces=tuple(tuple(row_tokens[p] for p in positions) for _, positions in kept),
        vectors=torch.stack(vectors) if vectors else torch.zeros((0, dim)),
    ), dropped


def _check_call(tokenizer: object, texts: object, batch_size: object) -> None:
    if isinstance(tokenizer, str) or (isinstance(tokenizer, (list, tuple)) and tokenizer
                                      and isinstance(tokenizer[0], str)):
        raise TypeError("word_vectors takes (tokenizer, model, texts, ...): the texts come third.")
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(
            "word_vectors needs a fast tokenizer (offset_mapping and word_ids()): load it with "
            "AutoTokenizer.from_pretrained(..., use_fast=True) or bertkit.load()."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, not {batch_size!r}.")


def word_vectors(
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    texts: str | Iterable[str],
    *,
    spans: Sequence[Iterable[Span]] | None = None,
    layers: LayerSpec = -1,
    layer_pooling: str = "mean",
    subtoken_pooling: str = "first",
    cut_pieces: str = "error",
    long_texts: str = "error",
    stride: int = 0,
    max_length: int | None = None,
    batch_size: int = 32,
) -> list[WordVectors]:
    """One vector per word (or per character span) of each text.

    Args:
        tokenizer: the checkpoint's fast tokenizer (it must give ``offset_mapping`` and ``word_ids()``).
        model: the encoder (any family: BERT, RoBERTa, XLM-R, ELECTRA, DistilBERT, or a task model).
        texts: one text or a list of texts (see :func:`bertkit.as_texts`).
        spans: None to use the tokenizer's words (``word_ids()``), or one list of ``(start, end)`` character
            offsets per text (Python slices: ``text[start:end]``). A span may not cut a piece; spans may overlap.
        layers: which hidden states to combine (see :func:`bertkit.layer_indices`); 0 is the embedding layer.
        layer_pooling: one of :data:`bertkit.layers.LAYER_POOLING` (``"mean"``, ``"sum"``, ``"concat"``).
        subtoken_pooling: one of :data:`SUBTOKEN_POOLING` (``"first"``, ``"last"``, ``"first_last"``, ``"mean"``),
            over the word's pieces that hold characters.
        cut_pieces: one of :data:`CUT_PIECES`, for ``spans`` only. ``"error"``: a span that cuts a piece raises
            ``ValueError``; ``"widen"``: the span grows to the whole pieces it touches (the result's ``spans``
            and ``words`` show the widened span), e.g. a morpheme inside a piece such as ``먹었``.
        long_texts: what to do with a text longer than ``max_length`` (:data:`bertkit.long_texts.LONG_TEXTS`):
            ``"error"`` raises; ``"truncate"`` reads the first ``max_length`` tokens and drops (with one warning)
            the words whose pieces do not all fit; ``"chunk"`` reads the text in windows of ``max_length`` tokens
            that overlap by ``stride`` and takes each piece from the window where it has the most context on
            its shorter side (as BERT's SQuAD code does), so every word gets a vector.
        stride: overlap between windows, in tokens, with ``long_texts="chunk"``.
        max_length: longest input in tokens, special tokens included; default :func:`bertkit.max_input_length`.
        batch_size: windows (rows) per forward pass, and texts tokenized together; a text that fits is one window.
            Results do not depend on it.

    Returns:
        A list with one :class:`WordVectors` per text; its ``vectors`` has shape (n_words, dim), ``dim`` =
        hidden size x (number of layers if ``"concat"``) x (2 if ``"first_last"``). For example, the bundled
        model with the defaults: ``word_vectors(tok, model, "I love Paris")[0].vectors.shape == (3, 384)``.

    Raises:
        ValueError: an unknown mode, bad spans (outside the text, empty, cutting a piece, covering no token),
            or a text longer than ``max_length`` with ``long_texts="error"``.
        TypeError: a slow tokenizer (no offsets), texts that are not strings, or texts passed first.
        IndexError: a layer the model does not have.
    """
    _check_call(tokenizer, texts, batch_size)
    texts = as_texts(texts)
    _check_modes(subtoken_pooling, layer_pooling, long_texts, cut_pieces)
    checked_spans = check_spans(texts, spans)
    check_tokenizer(tokenizer, model)
    picked = layer_indices(model.config.num_hidden_layers + 1, layers)
    max_length = checked_max_length(tokenizer, model, max_length)
    dim = model.config.hidden_size * (len(picked) if layer_pooling == "concat" else 1)
    dim *= 2 if subtoken_pooling == "first_last" else 1
    results: list[WordVectors] = []
    dropped = 0
    for start in range(0, len(texts), batch_size):  # a group of texts at a time: memory holds one group's tokens
        group = texts[start : start + batch_size]
        group_spans = checked_spans[start : start + batch_size] if checked_spans else [None] * len(group)
        # the policy (error / truncate / chunk) in one place, shared with encode, run and extract
        rows, doc, _ = tokenize_long(tokenizer, group, max_length=max_length, long_texts=long_texts, stride=stride,
                                     start=start)
        # the whole texts, for word_ids and offsets (verbose=False: being longer than the model is expected here)
        full = tokenizer(group, return_offsets_mapping=True, return_special_tokens_mask=True, verbose=False)
        tokens = _token_vectors(model, tokenizer, rows, picked, layer_pooling, batch_size)
        for i, (text, text_spans) in enumerate(zip(group, group_spans)):
            text_rows = [r for r, d in enumerate(doc) if d == i]
            words, lost = _text_words(tokenizer, full, i, text, text_spans, [rows["input_ids"][r] for r in text_rows],
                                      [tokens[r] for r in text_rows], stride, cut_pieces, subtoken_pooling, dim)
            results.append(words)
            dropped += lost
    if dropped:
        warnings.warn(
            f"Dropped {dropped} word(s) past max_length={max_length} tokens (long_texts='truncate').", stacklevel=2
        )
    return results
