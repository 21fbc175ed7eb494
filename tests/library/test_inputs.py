"""bertkit.inputs: hand-built inputs equal the tokenizer's, and the table shows them."""

import pytest
import torch

import bertkit

TEXTS = ["I love Paris", "The tokenizer splits unbelievably long words", "Hi"]
PAIRS = ["It is big", "Yes", "How are you today?"]


@pytest.mark.parametrize("pairs", [None, PAIRS])
def test_build_inputs_equals_the_tokenizer(tokenizer, pairs):
    built = bertkit.build_inputs(tokenizer, TEXTS, pairs)
    reference = tokenizer(TEXTS, pairs, padding=True, return_tensors="pt")
    assert set(built) == set(reference)
    for key in reference:
        assert torch.equal(built[key], reference[key]), key


def test_build_inputs_pads_to_max_length(tokenizer):
    built = bertkit.build_inputs(tokenizer, TEXTS, max_length=16)
    reference = tokenizer(TEXTS, padding="max_length", max_length=16, return_tensors="pt")
    for key in reference:
        assert torch.equal(built[key], reference[key]), key
    with pytest.raises(ValueError, match="max_length=3"):
        bertkit.build_inputs(tokenizer, TEXTS, max_length=3)


def test_show_inputs_lists_every_position(tokenizer):
    enc = tokenizer(TEXTS[:2], PAIRS[:2], padding=True, return_tensors="pt")
    table = bertkit.show_inputs(enc, tokenizer)
    assert len(table.tables) == 2
    for row_ids, rows in zip(enc["input_ids"], table.tables):
        assert [r["input_id"] for r in rows] == row_ids.tolist()
        assert [r["token"] for r in rows] == tokenizer.convert_ids_to_tokens(row_ids.tolist())
    assert {r["token_type"] for r in table.tables[0]} == {0, 1}
    text = str(table)
    assert tokenizer.cls_token in text and tokenizer.pad_token in text
    assert "<table>" in table._repr_html_()


def test_show_inputs_accepts_a_single_unbatched_encoding(tokenizer):
    enc = tokenizer("I love Paris")
    table = bertkit.show_inputs(enc, tokenizer)
    assert [r["input_id"] for r in table.tables[0]] == enc["input_ids"]
