"""Word and span vectors: pool the subword tokens of each word (or of any character span) into one vector.

A WordPiece tokenizer splits a word into one or more pieces (``embeddings`` -> ``em ##bed ##ding ##s``), so a
model gives one vector per piece, not per word. :func:`word_vectors` finds each word's pieces with the fast
tokenizer's ``word_ids()`` (the words its pre-tokenizer made: whitespace and punctuation) or with character
spans the caller gives (``offset_mapping``: e.g. Korean morphemes from kiwipiepy, or 어절 from
:func:`whitespace_spans`), combines the chosen layers, and pools the pieces:

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
"chunk"``; with ``"chunk"`` each piece is read from the overlapping window where it has the most context.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor
from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

from .encoding import as_texts, check_pair, checked_max_length
from .layers import LayerSpec, layer_indices, stack_layers
from .long_texts import LONG_TEXTS, tokenize_long

SUBTOKEN_POOLING = ("first", "last", "first_last", "mean")
"""How :func:`word_vectors` turns a word's pieces into one vector (flair's ``subtoken_pooling`` names)."""

LAYER_POOLING = ("mean", "sum", "concat")
"""How :func:`word_vectors` combines the layers it picked."""

CUT_PIECES = ("error", "widen")
"""What :func:`word_vectors` does with a caller's span that cuts a piece: raise, or widen it to whole pieces."""

Span = tuple[int, int]


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


def _check_spans(texts: list[str], spans: Sequence[Iterable[Span]] | None) -> list[list[Span]] | None:
    """Validate caller-given spans: one list per text, each ``(start, end)`` with 0 <= start < end <= len(text)."""
    if spans is None:
        return None
    if isinstance(spans, (str, bytes)) or not isinstance(spans, Sequence) or len(spans) != len(texts):
        raise ValueError(
            f"spans must be a list with one list of (start, end) pairs per text: got {type(spans).__name__} "
            f"for {len(texts)} text(s)."
        )
    checked = []
    for t, (text, text_spans) in enumerate(zip(texts, spans)):
        rows = []
        for s in text_spans:
            try:
                start, end = s
            except (TypeError, ValueError):
                raise ValueError(f"spans[{t}] holds {s!r}: each span is a (start, end) pair of ints.") from None
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
                raise ValueError(f"spans[{t}] holds {s!r}: start and end must be ints (character offsets).")
            if not 0 <= start < end <= len(text):
                raise ValueError(
                    f"span ({start}, {end}) is outside texts[{t}] or empty: the text has {len(text)} characters, "
                    f"so a span needs 0 <= start < end <= {len(text)}."
                )
            rows.append((start, end))
        if not rows:
            raise ValueError(f"spans[{t}] is empty: give at least one (start, end) pair per text.")
        checked.append(rows)
    return checked


def _groups(
    enc: BatchEncoding, row: int, text: str, spans: list[Span] | None, cut_pieces: str = "error"
) -> list[tuple[Span, list[int]]]:
    """(span, token positions) per word of one encoded text; positions index the encoded sequence.

    A caller's span that cuts a piece raises, or with ``cut_pieces="widen"`` grows to the pieces it touches."""
    offsets = enc["offset_mapping"][row]
    special = enc["special_tokens_mask"][row]
    if spans is None:
        by_word: dict[int, list[int]] = {}
        for pos, word in enumerate(enc.word_ids(row)):
            if word is not None and not special[pos]:
                by_word.setdefault(word, []).append(pos)
        return [((offsets[p[0]][0], offsets[p[-1]][1]), p) for p in by_word.values()]
    groups = []
    for start, end in spans:
        positions, lo, hi = [], start, end
        for pos, (a, b) in enumerate(offsets):
            if special[pos] or a == b or b <= start or a >= end:
                continue  # a special token, an empty offset, or a piece outside the span
            if (a < start or b > end) and cut_pieces == "widen":
                lo, hi = min(lo, a), max(hi, b)
            elif a < start or b > end:
                raise ValueError(
                    f"span ({start}, {end}) = {text[start:end]!r} cuts the piece "
                    f"{enc.tokens(row)[pos]!r} at ({a}, {b}) = {text[a:b]!r}: a vector can only pool whole "
                    f"pieces. Widen the span to ({min(a, start)}, {max(b, end)}), or use a tokenizer whose "
                    "pieces follow these boundaries (an [UNK] piece covers its whole word), or pass "
                    "cut_pieces='widen'."
                )
            positions.append(pos)
        if not positions:
            raise ValueError(f"span ({start}, {end}) = {text[start:end]!r} covers no token (only whitespace?).")
        groups.append(((lo, hi), positions))
    return groups


def _window_starts(tokenizer: PreTrainedTokenizerBase, rows: list[list[int]], stride: int,
                   full_content: list[int]) -> list[tuple[list[int], int]]:
    """For each window row of one text: (its content positions, the index of its first token in the full text).

    The tokenizer's overflowing windows overlap by ``stride`` content tokens; checked against the full text's ids.
    """
    # the tokens the tokenizer adds around a window ([CLS], [SEP], padding); [UNK] and [MASK] can be text
    added = set(tokenizer.all_special_ids) - {tokenizer.unk_token_id, tokenizer.mask_token_id}
    out, start = [], 0
    for row in rows:
        content = [i for i, token in enumerate(row) if token not in added]
        if [row[i] for i in content] != full_content[start : start + len(content)]:
            raise ValueError(
                "The text's tokens and the model windows do not line up: does the text contain a special token "
                f"written out (such as {tokenizer.sep_token!r})? Remove it from the text first."
            )
        out.append((content, start))
        start += len(content) - stride
    return out


def _best_window(c: int, windows: list[tuple[list[int], int]]) -> tuple[int, int]:
    """(window, position in it) for content token c: the window where c has the most context on its shorter side.

    BERT's run_squad.py picks a token's window the same way (``_check_is_max_context``: the smaller of its left
    and right context, plus 0.01 x the window length to break ties).
    """
    best, score = None, -1.0
    for w, (content, start) in enumerate(windows):
        if start <= c < start + len(content):
            here = min(c - start, start + len(content) - 1 - c) + 0.01 * len(content)
            if here > score:
                best, score = (w, content[c - start]), here
    return best  # type: ignore[return-value]


def _combine(stacked: Tensor, picked: list[int], layer_pooling: str) -> Tensor:
    """(L+1, batch, seq, hidden) -> (batch, seq, dim) over the picked layers."""
    chosen = stacked[picked]  # (k, batch, seq, hidden)
    if layer_pooling == "mean":
        return chosen.mean(dim=0)
    if layer_pooling == "sum":
        return chosen.sum(dim=0)
    return torch.cat(tuple(chosen), dim=-1)  # concat: (batch, seq, k * hidden)


def _pool_pieces(pieces: Tensor, subtoken_pooling: str) -> Tensor:
    """(n_pieces, dim) vectors of one word's pieces -> (dim,), or (2 * dim,) for ``"first_last"``."""
    if subtoken_pooling == "first":
        return pieces[0]
    if subtoken_pooling == "last":
        return pieces[-1]
    if subtoken_pooling == "first_last":
        return torch.cat((pieces[0], pieces[-1]))
    return pieces.mean(dim=0)


def word_vectors(
    texts: str | Iterable[str],
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
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
        texts: one text or a list of texts (see :func:`bertkit.as_texts`).
        tokenizer: the checkpoint's fast tokenizer (it must give ``offset_mapping`` and ``word_ids()``).
        model: the encoder (any family: BERT, RoBERTa, ELECTRA, DistilBERT, or a task model).
        spans: None to use the tokenizer's words (``word_ids()``), or one list of ``(start, end)`` character
            offsets per text (Python slices: ``text[start:end]``). A span may not cut a piece; spans may overlap.
        layers: which hidden states to combine (see :func:`bertkit.layer_indices`); 0 is the embedding layer.
        layer_pooling: one of :data:`LAYER_POOLING` (``"mean"``, ``"sum"``, ``"concat"``).
        subtoken_pooling: one of :data:`SUBTOKEN_POOLING` (``"first"``, ``"last"``, ``"first_last"``, ``"mean"``).
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
        batch_size: texts per forward pass. Results do not depend on it (padding is masked).

    Returns:
        A list with one :class:`WordVectors` per text; its ``vectors`` has shape (n_words, dim), ``dim`` =
        hidden size x (number of layers if ``"concat"``) x (2 if ``"first_last"``). For example, the bundled
        model with the defaults: ``word_vectors("I love Paris", tok, model)[0].vectors.shape == (3, 384)``.

    Raises:
        ValueError: an unknown mode, bad spans (outside the text, empty, cutting a piece, covering no token),
            or a text longer than ``max_length`` with ``long_texts="error"``.
        TypeError: a slow tokenizer (no offsets), or texts that are not strings.
        IndexError: a layer the model does not have.
    """
    texts = as_texts(texts)
    _check_modes(subtoken_pooling, layer_pooling, long_texts, cut_pieces)
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(
            "word_vectors needs a fast tokenizer (offset_mapping and word_ids()): load it with "
            "AutoTokenizer.from_pretrained(..., use_fast=True) or bertkit.load()."
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, not {batch_size!r}.")
    checked_spans = _check_spans(texts, spans)
    check_pair(tokenizer, model)
    picked = layer_indices(model.config.num_hidden_layers + 1, layers)
    max_length = checked_max_length(tokenizer, model, max_length)

    results: list[WordVectors] = []
    dropped = 0
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        batch_spans = checked_spans[start : start + batch_size] if checked_spans else [None] * len(batch)
        full = tokenizer(batch, return_offsets_mapping=True, return_special_tokens_mask=True)
        groups = [_groups(full, i, text, s, cut_pieces) for i, (text, s) in enumerate(zip(batch, batch_spans))]
        # the policy (error / truncate / chunk) in one place, shared with encode, run and extract
        rows, doc, _ = tokenize_long(tokenizer, batch, max_length=max_length, long_texts=long_texts, stride=stride,
                                     start=start)
        enc = tokenizer.pad(rows, padding=True, return_tensors="pt")
        with torch.no_grad():
            out = model(**enc.to(model.device), output_hidden_states=True)
        tokens = _combine(stack_layers(out.hidden_states), picked, layer_pooling).float().cpu()  # (rows, seq, dim)
        dim = tokens.shape[-1] * (2 if subtoken_pooling == "first_last" else 1)
        for i, text in enumerate(batch):
            mask = full["special_tokens_mask"][i]
            content_index = {p: c for c, p in enumerate(q for q, m in enumerate(mask) if not m)}
            full_content = [full["input_ids"][i][p] for p in content_index]
            text_rows = [r for r, d in enumerate(doc) if d == i]
            windows = _window_starts(tokenizer, [rows["input_ids"][r] for r in text_rows], stride, full_content)
            kept_words, vectors = [], []
            for span, positions in groups[i]:
                where = [_best_window(content_index[p], windows) for p in positions]
                if any(w is None for w in where):  # truncated: a piece past the end
                    dropped += 1
                    continue
                pieces = torch.stack([tokens[text_rows[w], pos] for w, pos in where])  # (n_pieces, dim)
                vectors.append(_pool_pieces(pieces, subtoken_pooling))
                kept_words.append((span, positions))
            row_tokens = full.tokens(i)
            results.append(WordVectors(
                text=text,
                words=tuple(text[a:b] for (a, b), _ in kept_words),
                spans=tuple((a, b) for (a, b), _ in kept_words),
                pieces=tuple(tuple(row_tokens[p] for p in positions) for _, positions in kept_words),
                vectors=torch.stack(vectors) if vectors else tokens.new_zeros((0, dim)),
            ))
    if dropped:
        warnings.warn(
            f"Dropped {dropped} word(s) past max_length={max_length} tokens (long_texts='truncate').", stacklevel=2
        )
    return results
