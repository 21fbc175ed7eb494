"""How the pieces of an encoded text line up with its words, character spans and token windows (for word_vectors).

Read from the fast tokenizer's ``offset_mapping`` and ``word_ids()``, never from the piece strings, so it holds for
WordPiece (``##``), SentencePiece (``▁``) and byte-level BPE (``Ġ``, Hangul as bytes) alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from transformers import BatchEncoding, PreTrainedTokenizerBase

Span = tuple[int, int]


def check_spans(texts: list[str], spans: Sequence[Iterable[Span]] | None) -> list[list[Span]] | None:
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


def holds_text(tokenizer: PreTrainedTokenizerBase, enc: BatchEncoding, row: int, text: str) -> list[bool]:
    """Per position of one encoded text: does the piece stand for characters of the text?

    Not a special token; its offsets cover a character other than whitespace; and decoded alone it is more than a
    space marker (SentencePiece's lone ``▁`` gets the offsets of the character after it)."""
    decoded: dict[str, bool] = {}
    special, offsets, tokens = enc["special_tokens_mask"][row], enc["offset_mapping"][row], enc.tokens(row)
    holds = []
    for pos, (a, b) in enumerate(offsets):
        if special[pos] or a >= b or not text[a:b].strip():
            holds.append(False)
            continue
        if tokens[pos] not in decoded:
            decoded[tokens[pos]] = bool(tokenizer.convert_tokens_to_string([tokens[pos]]).strip())
        holds.append(decoded[tokens[pos]])
    return holds


def groups(
    tokenizer: PreTrainedTokenizerBase, enc: BatchEncoding, row: int, text: str, spans: list[Span] | None,
    cut_pieces: str = "error",
) -> list[tuple[Span, list[int]]]:
    """(span, token positions) per word of one encoded text; positions index the encoded sequence.

    Only pieces that hold characters count (:func:`holds_text`); a word left without any is dropped. A caller's
    span that cuts a piece raises, or with ``cut_pieces="widen"`` grows to the pieces it touches."""
    offsets = enc["offset_mapping"][row]
    holds = holds_text(tokenizer, enc, row, text)
    if spans is None:
        by_word: dict[int, list[int]] = {}
        for pos, word in enumerate(enc.word_ids(row)):
            if word is not None and holds[pos]:
                by_word.setdefault(word, []).append(pos)
        return [((offsets[p[0]][0], offsets[p[-1]][1]), p) for p in by_word.values()]
    groups = []
    for start, end in spans:
        positions, lo, hi = [], start, end
        for pos, (a, b) in enumerate(offsets):
            if not holds[pos] or b <= start or a >= end:
                continue  # a special token, a space marker, or a piece outside the span
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


def window_starts(tokenizer: PreTrainedTokenizerBase, rows: list[list[int]], stride: int,
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


def best_window(c: int, windows: list[tuple[list[int], int]]) -> tuple[int, int]:
    """(window, position in it) for content token c: the window where c has the most context on its shorter side.

    BERT's run_squad.py picks a token's window the same way (``_check_is_max_context``: the smaller of its left
    and right context, plus 0.01 x the window length). The 0.01 term favours the longer window: on ties, and also
    by one token of context when the other window is more than 100 tokens shorter (a short last window), so it
    can move the boundary, not only break ties.
    """
    best, score = None, -1.0
    for w, (content, start) in enumerate(windows):
        if start <= c < start + len(content):
            here = min(c - start, start + len(content) - 1 - c) + 0.01 * len(content)
            if here > score:
                best, score = (w, content[c - start]), here
    return best  # type: ignore[return-value]
