"""One table of bad inputs, tried against every public entry point: each gives a clear error (the type and
a message that says what to do) or a documented result. Never a NaN, a wrong shape or a raw IndexError from
inside torch. The README's "What bad input does" table is this table in words."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import bertkit
from bertkit.extraction import extract

LONG = "word " * 2000


def _foreign_tokenizer(tmp_path):
    from transformers import BertTokenizerFast

    (tmp_path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello"]) + "\n")
    BertTokenizerFast(vocab=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    return BertTokenizerFast.from_pretrained(tmp_path)


# (id, function of (tokenizer, model, batch, tmp_path), expected exception, message must match)
ERRORS = [
    ("encode None", lambda t, m, b, p: bertkit.encode(t, None, model=m), TypeError, "None"),
    ("encode non-string", lambda t, m, b, p: bertkit.encode(t, [b"bytes"], model=m), TypeError, "not str"),
    ("encode empty string", lambda t, m, b, p: bertkit.encode(t, "", model=m), ValueError, "empty"),
    ("encode whitespace", lambda t, m, b, p: bertkit.encode(t, " \t\n", model=m), ValueError, "whitespace"),
    ("encode invisible only", lambda t, m, b, p: bertkit.encode(t, ["fine", "\u200b\ufeff"], model=m), ValueError,
     r"texts\[1\] = '\\u200b\\ufeff' has invisible characters only"),
    ("extract invisible only", lambda t, m, b, p: extract(["fine", "\x00", "ok"], model=m, tokenizer=t,
                                                          progress=False), ValueError, r"texts\[1\].*Drop it"),
    ("word_vectors invisible only", lambda t, m, b, p: bertkit.word_vectors(t, m, ["fine", "\u00ad"]), ValueError,
     r"texts\[1\].*invisible characters only"),
    ("encode too long", lambda t, m, b, p: bertkit.encode(t, LONG, model=m), ValueError, "long_texts='truncate'"),
    ("run foreign tokenizer", lambda t, m, b, p: bertkit.run(_foreign_tokenizer(p), m, "hello"),
     bertkit.TokenizerMismatchError, "bertkit.load"),
    ("load missing offline", lambda t, m, b, p: bertkit.load("nobody/missing-bert"),
     bertkit.CheckpointUnavailableError, "Colab"),
    ("load unknown head", lambda t, m, b, p: bertkit.load(head="ner"), ValueError, "Valid heads"),
    ("pool unknown pooling", lambda t, m, b, p: bertkit.pool(b[2].last_hidden_state, b[1]["attention_mask"], "sum"),
     ValueError, "Valid"),
    ("pool all-zero mask",
     lambda t, m, b, p: bertkit.pool(b[2].last_hidden_state, torch.zeros_like(b[1]["attention_mask"]), "mean"),
     ValueError, "all zeros"),
    ("select unknown layer", lambda t, m, b, p: bertkit.select_layers(bertkit.stack_layers(b[2].hidden_states), 42),
     IndexError, "encoder layers"),
    ("stack without hidden states", lambda t, m, b, p: bertkit.stack_layers(None), ValueError,
     "output_hidden_states=True"),
    ("capture unknown path", lambda t, m, b, p: bertkit.capture(m, "encoder.layer.0.ouput").__enter__(),
     KeyError, "Close matches"),
    ("extract empty corpus", lambda t, m, b, p: extract([], model=m, tokenizer=t, progress=False), ValueError,
     "empty"),
    ("extract None", lambda t, m, b, p: extract(None, model=m, tokenizer=t, progress=False), TypeError, "None"),
    ("extract unknown pooling", lambda t, m, b, p: extract(["hi"], model=m, tokenizer=t, pooling="sum",
                                                           progress=False), ValueError, "cls"),
    ("extract unknown layer", lambda t, m, b, p: extract(["hi"], model=m, tokenizer=t, layers=42, progress=False),
     IndexError, "encoder layers"),
    ("extract too long strict", lambda t, m, b, p: extract(["hi", LONG], model=m, tokenizer=t, long_texts="error",
                                                           progress=False), ValueError, "token"),
]


@pytest.mark.parametrize(("case", "call", "error", "match"), ERRORS, ids=[row[0] for row in ERRORS])
def test_bad_input_gives_a_clear_error(tokenizer, model, batch, tmp_path, case, call, error, match):
    with pytest.raises(error, match=match) as info:
        call(tokenizer, model, batch, tmp_path)
    assert len(str(info.value)) > 20, "the message should say what to do"


# Inputs that are not errors: the documented result is finite vectors of the usual shape.
TEXTS = {
    "korean": "나는 파리를 사랑한다",
    "emoji": "I ❤️ Paris 🗼🥐",
    "mixed scripts": "Paris는 beautiful 하다, Москва тоже 😀",
    "one character": "a",
}


@pytest.mark.parametrize("name", TEXTS)
def test_unusual_text_gives_finite_vectors(tokenizer, model, name):
    vectors = extract([TEXTS[name]], model=model, tokenizer=tokenizer, progress=False)
    assert vectors.shape == (1, 1, model.config.hidden_size)
    assert np.isfinite(vectors).all()
    enc, out = bertkit.run(tokenizer, model, TEXTS[name])
    for pooling in bertkit.POOLING:
        assert torch.isfinite(bertkit.pool(out.last_hidden_state, enc["attention_mask"], pooling)).all()


def test_too_long_text_is_cut_with_one_warning_when_asked(tokenizer, model):
    with pytest.warns(UserWarning) as record:
        vectors = extract(["hi", LONG, LONG], model=model, tokenizer=tokenizer, long_texts="truncate", progress=False)
    assert vectors.shape[0] == 3 and np.isfinite(vectors).all()
    # the count and the position, not just any "2": the message always holds max_length=512 (or 256)
    counts = [w for w in record if re.search(r"\bTruncated 2 of 3 text\(s\)", str(w.message))]
    assert len(counts) == 1, "one warning that gives the count"
    assert "texts[1]" in str(counts[0].message), "and the first long text"
