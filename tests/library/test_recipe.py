"""sentence_recipe: the checkpoint's own pipeline, checked against SentenceTransformer(folder).encode on the same folder.

Test checkpoints of tests/families.py get sentence-transformers configurations written by sentence-transformers
itself (CLS + Normalize as bge-m3, mean + query/passage prompts as e5, plain mean), and the bundled model carries
the older layout (one boolean per pooling mode).
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch
import torch.nn.functional as F

import bertkit
from bertkit.recipe import SentenceRecipe, UnsupportedRecipeError, sentence_recipe
from families import sentence_transformers_folder

TEXTS = ["나는 파리가 좋다", "A longer English sentence about the river bank.", "짧다"]


def _bertkit_vectors(tokenizer, model, texts, prompt_name=None):
    """Sentence vectors by the recipe: prompt, run, pool, normalize (the way a user applies it)."""
    recipe = sentence_recipe(tokenizer, model)
    prompt = recipe.prompt(prompt_name)
    enc, out = bertkit.run(tokenizer, model, [prompt + t for t in texts], max_length=recipe.max_length)
    vectors = bertkit.pool(out.last_hidden_state, enc["attention_mask"], recipe.pooling)
    return F.normalize(vectors, dim=-1) if recipe.normalize else vectors




@pytest.fixture(scope="module")
def st_folders(family_paths, tmp_path_factory):
    root = tmp_path_factory.mktemp("recipes")
    xlmr = family_paths.get("xlmr_unigram", family_paths["roberta"])
    e5 = family_paths.get("bert_unigram", family_paths["bert"])
    return {
        "cls_normalize": sentence_transformers_folder(xlmr, root / "cls", "cls", True, max_seq_length=64),  # saved as model_max_length
        "mean_prompts": sentence_transformers_folder(e5, root / "e5", "mean", True, {"query": "query: ", "passage": "passage: "},
                                   default_prompt_name="query"),
        "mean": sentence_transformers_folder(family_paths["electra"], root / "mean", "mean", False),
        "mean_sqrt_len": sentence_transformers_folder(family_paths["bert"], root / "msl", "mean_sqrt_len_tokens", False),
        "max": sentence_transformers_folder(family_paths["roberta"], root / "max", "max", False),
    }


@pytest.mark.parametrize("name, pooling, normalize", [
    ("cls_normalize", "cls", True), ("mean_prompts", "mean", True), ("mean", "mean", False),
    ("mean_sqrt_len", "mean_sqrt_len", False), ("max", "max", False),
])
def test_recipe_equals_sentence_transformers(st_folders, name, pooling, normalize):
    from sentence_transformers import SentenceTransformer

    tokenizer, model = bertkit.load(st_folders[name])
    recipe = sentence_recipe(tokenizer, model)
    assert (recipe.pooling, recipe.normalize, recipe.from_checkpoint) == (pooling, normalize, True)
    st = SentenceTransformer(str(st_folders[name]), device="cpu")
    expected = st.encode(TEXTS, convert_to_tensor=True)  # applies the default prompt, if any
    torch.testing.assert_close(_bertkit_vectors(tokenizer, model, TEXTS), expected, atol=1e-5, rtol=0)


def test_prompts_are_the_checkpoints(st_folders):
    from sentence_transformers import SentenceTransformer

    tokenizer, model = bertkit.load(st_folders["mean_prompts"])
    recipe = sentence_recipe(tokenizer, model)
    st = SentenceTransformer(str(st_folders["mean_prompts"]), device="cpu")
    assert recipe.prompts == st.prompts and recipe.prompts["query"] == "query: "
    assert recipe.default_prompt_name == st.default_prompt_name == "query" and recipe.prompt() == "query: "
    expected = st.encode(TEXTS, prompt_name="passage", convert_to_tensor=True)
    torch.testing.assert_close(_bertkit_vectors(tokenizer, model, TEXTS, "passage"), expected, atol=1e-5, rtol=0)
    with pytest.raises(KeyError, match="query"):
        recipe.prompt("no such prompt")


@pytest.mark.parametrize("name", ["bundled", "cls_normalize", "mean"])
def test_the_recipes_length_is_what_sentence_transformers_reads(st_folders, name):
    """sentence_bert_config.json's max_seq_length (the bundled model: 256 of 512) when the checkpoint sets one,
    else the tokenizer's own limit; the length limit (max_input_length) never reads it."""
    from sentence_transformers import SentenceTransformer

    folder = bertkit.bundled_model_path() if name == "bundled" else st_folders[name]
    tokenizer, model = bertkit.load(folder)
    recipe = sentence_recipe(tokenizer, model)
    limit = bertkit.max_input_length(tokenizer, model)
    assert (recipe.max_length or limit) == SentenceTransformer(str(folder), device="cpu").max_seq_length
    assert limit == bertkit.position_limit(tokenizer, model)


def test_bundled_model_legacy_layout(tokenizer, model):
    from sentence_transformers import SentenceTransformer

    recipe = sentence_recipe(tokenizer, model)
    st = SentenceTransformer(str(bertkit.bundled_model_path()), device="cpu")
    assert (recipe.pooling, recipe.normalize, recipe.max_length) == ("mean", True, st.max_seq_length)
    torch.testing.assert_close(_bertkit_vectors(tokenizer, model, TEXTS), st.encode(TEXTS, convert_to_tensor=True),
                               atol=1e-5, rtol=0)


def test_without_a_config_bertkit_says_it_uses_its_default(family_paths):
    from sentence_transformers import SentenceTransformer

    tokenizer, model = bertkit.load(family_paths["electra"])
    recipe = sentence_recipe(tokenizer, model)
    assert recipe == SentenceRecipe(source=recipe.source) and not recipe.from_checkpoint
    assert "modules.json" in recipe.source and "default" in recipe.source
    st = SentenceTransformer(str(family_paths["electra"]), device="cpu")  # builds Transformer + mean pooling
    torch.testing.assert_close(_bertkit_vectors(tokenizer, model, TEXTS), st.encode(TEXTS, convert_to_tensor=True),
                               atol=1e-5, rtol=0)


def test_the_same_answer_whatever_the_cache_holds(st_folders, tmp_path):
    """A folder's recipe comes from that folder only: a copy without modules.json gets the default, every time."""
    bare = shutil.copytree(st_folders["cls_normalize"], tmp_path / "bare")
    (bare / "modules.json").unlink()
    tokenizer, model = bertkit.load(bare)
    assert sentence_recipe(tokenizer, model).pooling == "mean"
    assert sentence_recipe(*bertkit.load(st_folders["cls_normalize"])).pooling == "cls"
    assert sentence_recipe(tokenizer, model).pooling == "mean"


def test_unsupported_modules_are_refused(st_folders, tmp_path):
    folder = shutil.copytree(st_folders["mean"], tmp_path / "dense")
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": len(modules), "name": "9", "path": "9_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(UnsupportedRecipeError, match="Dense"):
        sentence_recipe(*bertkit.load(folder))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({**pooling, "pooling_mode": "weightedmean"}))
    (folder / "modules.json").write_text(json.dumps(modules[:-1]))
    with pytest.raises(UnsupportedRecipeError, match="weightedmean"):
        sentence_recipe(*bertkit.load(folder))


# -- hub ids: the revision's files from the cache, the hub's "no such file", or an error offline -----------------


def _fake_hub_cache(root, repo_id, revision, files):
    """A hub cache laid out as huggingface_hub writes it: refs/main -> revision, snapshots/<revision>/<files>."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    for name, source in files.items():
        target = repo / "snapshots" / revision / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return repo


def _as_hub_model(folder, repo_id, revision):
    tokenizer, model = bertkit.load(folder)
    model.config._name_or_path, model.config._commit_hash = repo_id, revision
    return tokenizer, model


def test_a_hub_checkpoints_recipe_comes_from_its_revisions_files(st_folders, tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    folder = st_folders["cls_normalize"]
    names = ["modules.json", "1_Pooling/config.json", "sentence_bert_config.json", "config_sentence_transformers.json"]
    _fake_hub_cache(tmp_path, "bertkit-tests/cls", "a" * 40, {name: folder / name for name in names})
    recipe = sentence_recipe(*_as_hub_model(folder, "bertkit-tests/cls", "a" * 40))
    assert (recipe.pooling, recipe.normalize, recipe.from_checkpoint) == ("cls", True, True)
    assert "bertkit-tests/cls" in recipe.source


def test_a_hub_checkpoint_the_hub_says_has_no_modules_json_gets_the_default(st_folders, tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    repo = _fake_hub_cache(tmp_path, "bertkit-tests/plain", "b" * 40, {})
    (repo / ".no_exist" / ("b" * 40)).mkdir(parents=True)
    (repo / ".no_exist" / ("b" * 40) / "modules.json").touch()  # what huggingface_hub records after a 404
    recipe = sentence_recipe(*_as_hub_model(st_folders["mean"], "bertkit-tests/plain", "b" * 40))
    assert not recipe.from_checkpoint and recipe.pooling == "mean"


def test_offline_a_hub_checkpoint_without_its_files_is_an_error_not_a_guess(st_folders, tmp_path, monkeypatch):
    """Before 0.3 the answer depended on what earlier code had cached; now it is the files or a clear error."""
    import huggingface_hub.constants

    from bertkit._checkpoint_files import CheckpointFilesUnavailableError

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(CheckpointFilesUnavailableError, match="snapshot_download"):
        sentence_recipe(*_as_hub_model(st_folders["mean"], "bertkit-tests/never-downloaded", "c" * 40))
