"""bertkit.vector_store: vectors saved with their metadata, and refused when they do not match."""

import json

import numpy as np
import pytest

import bertkit
from bertkit.vector_store import metadata_path

TEXTS = ["A short review.", "The film was far too long.", "I loved every minute of it."]


@pytest.fixture(scope="module")
def vectors(tokenizer, model):
    return bertkit.extract(TEXTS, model=model, tokenizer=tokenizer, progress=False)[:, 0]


@pytest.fixture
def meta(tokenizer, model):
    return bertkit.describe_vectors(tokenizer, model, layers=[6], pooling="mean", normalized=False)


def test_round_trip_keeps_vectors_and_metadata(tmp_path, vectors, meta, model, tokenizer):
    path = tmp_path / "reviews.npy"
    meta_file = bertkit.save_vectors(path, vectors, meta)
    assert meta_file == metadata_path(path) == tmp_path / "reviews.meta.json"
    back, read = bertkit.load_vectors(path, model=model, expect={"pooling": "mean", "normalized": False})
    np.testing.assert_array_equal(back, vectors)
    assert read["shape"] == list(vectors.shape) and read["dtype"] == "float32"
    assert read["sha256"] == bertkit.BUNDLED_SHA256 and read["checkpoint"] == "bundled:all-MiniLM-L6-v2"
    assert read["max_length"] == bertkit.max_input_length(tokenizer, model)
    assert read["hidden_size"] == model.config.hidden_size


@pytest.mark.parametrize(
    ("expect", "field"),
    [({"pooling": "cls"}, "pooling"), ({"normalized": True}, "normalized"), ({"layers": [3]}, "layers")],
)
def test_other_settings_are_refused_naming_the_field(tmp_path, vectors, meta, model, expect, field):
    path = tmp_path / "v.npy"
    bertkit.save_vectors(path, vectors, meta)
    with pytest.raises(bertkit.VectorsMismatchError, match=rf"{field}: file has .*, asked for"):
        bertkit.load_vectors(path, model=model, expect=expect)


def test_vectors_of_another_model_are_refused(tmp_path, vectors, meta, model):
    path = tmp_path / "v.npy"
    bertkit.save_vectors(path, vectors, {**meta, "checkpoint": "klue/bert-base", "sha256": None})
    with pytest.raises(bertkit.VectorsMismatchError, match="checkpoint: file has 'klue/bert-base'"):
        bertkit.load_vectors(path, model=model)
    bertkit.load_vectors(path)  # without a model to compare with, it loads


def test_missing_metadata_or_a_swapped_file_is_refused(tmp_path, vectors, meta, model):
    path = tmp_path / "v.npy"
    np.save(path, vectors)
    with pytest.raises(FileNotFoundError, match="which model made"):
        bertkit.load_vectors(path, model=model)
    bertkit.save_vectors(path, vectors, meta)
    np.save(path, vectors[:2])  # the .npy replaced behind the metadata's back
    with pytest.raises(bertkit.VectorsMismatchError, match="shape"):
        bertkit.load_vectors(path, model=model)


def test_save_refuses_vectors_that_do_not_fit(tmp_path, vectors, meta):
    with pytest.raises(ValueError, match="do not fit"):
        bertkit.save_vectors(tmp_path / "v.npy", vectors[:, :10], meta)
    with pytest.raises(ValueError, match=".npy"):
        bertkit.save_vectors(tmp_path / "v.txt", vectors, meta)
    assert json.loads(json.dumps(meta)) == meta, "metadata is plain JSON"
