"""extract and token_vectors give the same bits on every call: nothing depends on timing, threads or dropout."""

from __future__ import annotations

import numpy as np

from bertkit.extraction import extract, token_vectors

TEXTS = [
    "I love Paris.",
    "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon.",
    "Hi",
    "Embeddings from every encoder layer differ.",
    "나는 파리가 좋다",
]


def test_two_calls_give_the_same_bits(tokenizer, model):
    def call():
        return extract(TEXTS, tokenizer=tokenizer, model=model, layers="all", batch_size=2, progress=False)

    first, second = call(), call()
    assert first.shape[1] == model.config.num_hidden_layers + 1
    np.testing.assert_array_equal(first, second)
    tokens = [token_vectors(TEXTS, tokenizer=tokenizer, model=model, layers=[0, -1], progress=False) for _ in "ab"]
    for a, b in zip(*tokens):
        np.testing.assert_array_equal(a, b)


def test_a_model_in_training_mode_gives_the_same_bits_as_in_eval_mode(tokenizer, model):
    reference = extract(TEXTS, tokenizer=tokenizer, model=model, progress=False)
    model.train()  # dropout would change every vector
    try:
        again = [extract(TEXTS, tokenizer=tokenizer, model=model, progress=False) for _ in range(2)]
        assert model.training, "the training flag is put back"
    finally:
        model.eval()
    for vectors in again:
        np.testing.assert_array_equal(vectors, reference)
