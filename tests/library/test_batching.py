"""bertkit.batching: blocks of a corpus read lazily, batches of nearly equal length that cover every row once."""

from __future__ import annotations

import numpy as np
import pytest

import bertkit.batching as batching

TEXTS = ["one", "a much longer text than the others here", "two words", "x", "a medium length text"]


def test_blocks_of_a_generator_are_read_lazily_and_numbered_from_the_corpus_start(monkeypatch):
    monkeypatch.setattr(batching, "BLOCK_SIZE", 2)
    pulled: list[str] = []

    def texts():
        for t in TEXTS:
            pulled.append(t)
            yield t

    reader = batching.blocks(texts())
    assert next(reader) == (0, TEXTS[:2]) and pulled == TEXTS[:2]
    assert list(reader) == [(2, TEXTS[2:4]), (4, TEXTS[4:])]
    with pytest.raises(TypeError, match=r"texts\[2:\]\[1\]"):
        list(batching.blocks(iter(["a", "b", "c", None])))


def test_length_batches_cover_every_row_once_longest_first(tokenizer):
    tokens = batching.tokenize_block(tokenizer, TEXTS, 0, max_length=64, long_texts="error", stride=0)
    seen, longest = [], []
    for rows, batch in batching.length_batches(tokenizer, tokens, 2, "cpu"):
        seen.extend(rows.tolist())
        longest.append(int(batch["attention_mask"].sum(1).max()))
        np.testing.assert_array_equal(batch["attention_mask"].sum(1).numpy(), tokens.lengths[rows])
    assert sorted(seen) == list(range(len(TEXTS)))
    assert longest == sorted(longest, reverse=True)


def test_truncated_texts_are_counted_across_blocks(tokenizer):
    counts = batching.Truncations()
    for start in (0, 5):
        batching.tokenize_block(tokenizer, TEXTS, start, max_length=5, long_texts="truncate", stride=0,
                                truncations=counts)
    assert (counts.seen, counts.cut, counts.first) == (10, 4, 1)
