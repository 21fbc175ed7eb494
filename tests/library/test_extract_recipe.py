"""extract(pooling="auto") is the checkpoint's own sentence recipe: equal to SentenceTransformer(folder).encode on
test checkpoints whose sentence-transformers pipeline was saved by sentence-transformers itself."""

from __future__ import annotations

import numpy as np
import pytest

import bertkit
from bertkit.extraction import extract
from families import sentence_transformers_folder

TEXTS = ["나는 파리가 좋다", "A longer English sentence about the river bank.", "짧다", "Seoul in the autumn."]




@pytest.fixture(scope="module")
def folders(family_paths, tmp_path_factory):
    root = tmp_path_factory.mktemp("auto")
    return {
        "cls_normalize": sentence_transformers_folder(family_paths["roberta"], root / "cls", "cls", True),
        "mean_prompts": sentence_transformers_folder(family_paths["bert"], root / "e5", "mean", True,
                                   {"query": "query: ", "passage": "passage: "}, default_prompt_name="query"),
        "max": sentence_transformers_folder(family_paths["electra"], root / "max", "max", False),
    }


@pytest.mark.parametrize("name", ["cls_normalize", "mean_prompts", "max"])
def test_auto_equals_sentence_transformers(folders, name):
    from sentence_transformers import SentenceTransformer

    expected = SentenceTransformer(str(folders[name]), device="cpu").encode(TEXTS)  # its default prompt, if any
    vectors = extract(TEXTS, checkpoint=str(folders[name]), batch_size=2, progress=False)
    assert vectors.shape == (len(TEXTS), 1, expected.shape[-1])
    np.testing.assert_allclose(vectors[:, 0], expected, atol=1e-5, rtol=0)


def test_prompt_name_and_prompt_are_sentence_transformers(folders):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folders["mean_prompts"]), device="cpu")
    tokenizer, model = bertkit.load(str(folders["mean_prompts"]))
    run = {"tokenizer": tokenizer, "model": model, "progress": False}
    passage = extract(TEXTS, prompt_name="passage", **run)[:, 0]
    np.testing.assert_allclose(passage, st.encode(TEXTS, prompt_name="passage"), atol=1e-5, rtol=0)
    own = extract(TEXTS, prompt="topic: ", **run)[:, 0]
    np.testing.assert_allclose(own, st.encode(TEXTS, prompt="topic: "), atol=1e-5, rtol=0)
    assert not np.allclose(passage, own, atol=1e-3), "the prompt reached the model"
    with pytest.raises(KeyError, match="query"):
        extract(TEXTS, prompt_name="no such prompt", **run)
    with pytest.raises(ValueError, match="not both"):
        extract(TEXTS, prompt_name="query", prompt="topic: ", **run)


def test_a_named_pooling_is_never_normalized(folders):
    tokenizer, model = bertkit.load(str(folders["cls_normalize"]))
    vectors = extract(TEXTS, tokenizer=tokenizer, model=model, pooling="cls", progress=False)
    auto = extract(TEXTS, tokenizer=tokenizer, model=model, progress=False)
    norms = np.linalg.norm(vectors[:, 0], axis=-1)
    assert not np.allclose(norms, 1.0, atol=1e-3)
    np.testing.assert_allclose(auto[:, 0], vectors[:, 0] / norms[:, None], atol=1e-6, rtol=0)
