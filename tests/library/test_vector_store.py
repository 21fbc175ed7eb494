"""bertkit.vector_store: vectors saved with their metadata, and refused when they do not match."""

import copy
import json
import shutil

import numpy as np
import pytest
import torch

import bertkit
from bertkit.vector_store import metadata_path

TEXTS = ["A short review.", "The film was far too long.", "I loved every minute of it."]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def vectors(tokenizer, model):
    return bertkit.extract(TEXTS, model=model, tokenizer=tokenizer, pooling="mean", progress=False)[:, 0]


@pytest.fixture
def meta(tokenizer, model):
    return bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)


@pytest.fixture(scope="module")
def bert(family_paths):
    return bertkit.load(family_paths["bert"])


def test_round_trip_keeps_vectors_and_metadata(tmp_path, vectors, meta, model, tokenizer):
    path = tmp_path / "reviews.npy"
    meta_file = bertkit.save_vectors(path, vectors, meta)
    assert meta_file == metadata_path(path) == tmp_path / "reviews.meta.json"
    back, read = bertkit.load_vectors(
        path, model=model, tokenizer=tokenizer, expect={"pooling": "mean", "normalized": False}
    )
    np.testing.assert_array_equal(back, vectors)
    assert read["shape"] == list(vectors.shape) and read["output_dtype"] == "float32"
    assert read["dtype"] == "float32", "the compute dtype, extract's default"
    assert read["dim"] == vectors.shape[-1] == model.config.hidden_size
    assert read["weights_sha256"] == bertkit.weights_fingerprint(model)
    assert read["tokenizer_sha256"] == bertkit.vocab_fingerprint(tokenizer)
    assert read["max_length"] == bertkit.max_input_length(tokenizer, model)
    assert read["transform"] is None


@pytest.mark.parametrize(
    ("expect", "field"),
    [({"pooling": "cls"}, "pooling"), ({"normalized": True}, "normalized"), ({"layers": [3]}, "layers"),
     ({"dtype": "bfloat16"}, "dtype"), ({"dim": 64}, "dim")],
)
def test_other_settings_are_refused_naming_the_field(tmp_path, vectors, meta, model, expect, field):
    path = tmp_path / "v.npy"
    bertkit.save_vectors(path, vectors, meta)
    with pytest.raises(bertkit.VectorsMismatchError, match=rf"{field}: file has .*, asked for"):
        bertkit.load_vectors(path, model=model, expect=expect)


def test_a_negative_and_a_non_negative_index_of_one_layer_match(tmp_path, tokenizer, model, vectors):
    n_layers = model.config.num_hidden_layers
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    assert meta["layers"] == [n_layers], "recorded as non-negative indices (0 = embeddings)"
    bertkit.save_vectors(tmp_path / "v.npy", vectors, meta)
    bertkit.load_vectors(tmp_path / "v.npy", model=model, expect={"layers": [n_layers]})
    bertkit.load_vectors(tmp_path / "v.npy", model=model, expect={"layers": [-1]})
    with pytest.raises(bertkit.VectorsMismatchError, match="layers"):
        bertkit.load_vectors(tmp_path / "v.npy", model=model, expect={"layers": [-2]})


def test_other_widths_are_stored_with_their_transform(tmp_path, tokenizer, model, vectors):
    """Chapter 10 stores whitened vectors (fewer dimensions) and first_last word vectors (twice the width)."""
    mean = vectors.mean(axis=0)
    whitened = _unit(vectors - mean)[:, :2]
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False,
                                    transform={"whitening": 2, "fitted_on": "TEXTS"})
    bertkit.save_vectors(tmp_path / "w.npy", whitened, meta)
    back, read = bertkit.load_vectors(tmp_path / "w.npy", model=model,
                                      expect={"transform": {"whitening": 2, "fitted_on": "TEXTS"}, "dim": 2})
    assert back.shape == (len(TEXTS), 2) and read["dim"] == 2
    with pytest.raises(bertkit.VectorsMismatchError, match="transform: file has"):
        bertkit.load_vectors(tmp_path / "w.npy", model=model)  # a query without the transform would not compare
    wide = np.concatenate([vectors, vectors], axis=-1)  # e.g. subtoken_pooling="first_last"
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="first_last", normalized=False)
    bertkit.save_vectors(tmp_path / "fl.npy", wide, meta)
    assert bertkit.load_vectors(tmp_path / "fl.npy", model=model)[1]["dim"] == 2 * model.config.hidden_size


def test_normalized_is_checked_against_the_norms(tmp_path, tokenizer, model, vectors):
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=True)
    lengths = np.linspace(2.0, 5.0, len(vectors), dtype=np.float32)[:, None]  # norms far from 1, whatever extract gave
    with pytest.raises(ValueError, match="normalized=True but"):
        bertkit.save_vectors(tmp_path / "v.npy", _unit(vectors) * lengths, meta)
    with pytest.raises(ValueError, match="normalized=True but"):
        bertkit.save_vectors(tmp_path / "v.npy", _unit(vectors) * 1.01, meta)
    bertkit.save_vectors(tmp_path / "v.npy", _unit(vectors), meta)
    raw = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    bertkit.save_vectors(tmp_path / "raw.npy", _unit(vectors), raw)  # unit vectors may be stored as not normalized


def test_a_weight_changed_in_place_is_detected(tmp_path, bert):
    tokenizer, model = bert
    changed = copy.deepcopy(model)
    vectors = bertkit.extract(TEXTS, model=model, tokenizer=tokenizer, progress=False)[:, 0]
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    bertkit.save_vectors(tmp_path / "v.npy", vectors, meta)
    bertkit.load_vectors(tmp_path / "v.npy", model=changed)  # an equal copy matches
    with torch.no_grad():
        next(changed.parameters()).data[0, 0] += 1e-3  # in place, same object, same folder name
    assert changed.config._name_or_path == model.config._name_or_path
    with pytest.raises(bertkit.VectorsMismatchError, match="weights_sha256"):
        bertkit.load_vectors(tmp_path / "v.npy", model=changed)


def test_checkpoints_are_identified_by_fingerprints_not_by_name(tmp_path, family_paths, bert):
    tokenizer, model = bert
    moved = shutil.copytree(family_paths["bert"], tmp_path / "elsewhere")
    vectors = bertkit.extract(TEXTS, model=model, tokenizer=tokenizer, progress=False)[:, 0]
    meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    bertkit.save_vectors(tmp_path / "v.npy", vectors, meta)
    tokenizer2, model2 = bertkit.load(moved)
    bertkit.load_vectors(tmp_path / "v.npy", model=model2, tokenizer=tokenizer2)  # same weights, another folder
    other_tokenizer, other_model = bertkit.load(family_paths["electra"])
    with pytest.raises(bertkit.VectorsMismatchError, match="weights_sha256"):
        bertkit.load_vectors(tmp_path / "v.npy", model=other_model)
    with pytest.raises(bertkit.VectorsMismatchError, match="tokenizer_sha256"):
        bertkit.load_vectors(tmp_path / "v.npy", tokenizer=other_tokenizer)


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
        bertkit.save_vectors(tmp_path / "v.npy", vectors[:, None].repeat(3, axis=1), meta)  # 3 layers, 1 recorded
    with pytest.raises(ValueError, match="do not fit"):
        bertkit.save_vectors(tmp_path / "v.npy", vectors[0], meta)
    with pytest.raises(ValueError, match=".npy"):
        bertkit.save_vectors(tmp_path / "v.txt", vectors, meta)
    assert json.loads(json.dumps(meta)) == meta, "metadata is plain JSON"


def test_several_layers_are_stored_in_order(tmp_path, tokenizer, model):
    stacked = bertkit.extract(TEXTS, model=model, tokenizer=tokenizer, layers=[0, -1], progress=False)
    meta = bertkit.describe_vectors(tokenizer, model, layers=[0, -1], pooling="mean", normalized=False)
    bertkit.save_vectors(tmp_path / "v.npy", stacked, meta)
    _, read = bertkit.load_vectors(tmp_path / "v.npy", model=model, expect={"layers": [0, -1]})
    assert read["layers"] == [0, model.config.num_hidden_layers]
