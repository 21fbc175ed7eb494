"""bertkit.book.ratsnlp_compat: ratsnlp's classification data path on transformers 5, checked against transformers itself."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest
import torch
import transformers.optimization
from torch.utils.data import DataLoader

import bertkit
from bertkit.book import ratsnlp_compat
from bertkit.book.reviews import load_reviews, reviews_dir

MAX_LEN = 64


@pytest.fixture()
def rats():
    """ratsnlp's classification package, imported through the compatibility route (the current import: a test
    may disable and re-enable the compat layer, which makes ratsnlp import afresh)."""
    ratsnlp_compat.enable()
    import ratsnlp.nlpbook
    import ratsnlp.nlpbook.classification as classification

    return classification, ratsnlp.nlpbook


@pytest.fixture(scope="module")
def classifier():
    torch.manual_seed(0)
    return bertkit.load(head="sequence-classification", num_labels=2)


@pytest.fixture()
def korean_args(rats, tmp_path):
    """Arguments pointing ratsnlp at a scratch copy of the shipped Korean reviews (it writes a cache beside them)."""
    classification, _ = rats
    shutil.copytree(reviews_dir("ko"), tmp_path / "nsmc")
    return classification.ClassificationTrainArguments(
        pretrained_model_name="bundled",
        downstream_corpus_name="nsmc",
        downstream_corpus_root_dir=str(tmp_path),
        max_seq_length=MAX_LEN,
        overwrite_cache=True,
        seed=0,
    )


def test_enable_imports_classification_without_leaking(rats):
    classification, nlpbook = rats
    for name in ("NsmcCorpus", "ClassificationDataset", "ClassificationTrainArguments", "ClassificationTask"):
        assert hasattr(classification, name), name
    assert callable(nlpbook.data_collator)
    # The supplied names were there only while ratsnlp was imported.
    assert "AdamW" not in transformers.optimization.__dict__
    for name in ("pytorch_lightning", "flask"):
        if importlib.util.find_spec(name) is None:
            assert name not in sys.modules
            with pytest.raises(ModuleNotFoundError):
                __import__(name)


def test_enable_is_idempotent(rats):
    first = ratsnlp_compat.enable()
    assert ratsnlp_compat.enable() == first
    assert set(first) == {"transformers.optimization.AdamW", "pytorch_lightning", "flask", "ClassificationDataset"}
    assert ratsnlp_compat.is_enabled()


def test_adamw_has_the_old_transformers_defaults(rats):
    import ratsnlp.nlpbook.classification.task as task

    assert issubclass(task.AdamW, torch.optim.AdamW)
    optimizer = task.AdamW(torch.nn.Linear(2, 2).parameters(), lr=5e-5)
    group = optimizer.param_groups[0]
    assert (group["lr"], group["eps"], group["weight_decay"]) == (5e-5, 1e-6, 0.0)
    with pytest.raises(ValueError, match="correct_bias"):
        task.AdamW(torch.nn.Linear(2, 2).parameters(), correct_bias=False)


HIDDEN = ("pytorch_lightning", "lightning", "flask")


def test_stand_ins_fail_clearly_when_used():
    """The stand-ins are checked even where Lightning or flask is installed: those are hidden for the test.

    ``sys.modules[name] = None`` makes ``importlib.util.find_spec(name)`` return None and ``import name`` fail,
    as on a machine without the package.
    """
    ratsnlp_compat.disable()
    real = {n: sys.modules.pop(n) for n in list(sys.modules) if n.split(".")[0] in HIDDEN}
    sys.modules.update(dict.fromkeys(HIDDEN))
    try:
        report = ratsnlp_compat.enable()
        assert report["pytorch_lightning"].startswith("not installed") and report["flask"].startswith("not installed")
        import ratsnlp.nlpbook
        import ratsnlp.nlpbook.classification as classification

        with pytest.raises(ratsnlp_compat.LightningUnavailableError, match="pytorch-lightning"):
            classification.ClassificationTask(None, None)
        with pytest.raises(ratsnlp_compat.LightningUnavailableError, match="PyTorch Lightning"):
            ratsnlp.nlpbook.trainer.Trainer()
        with pytest.raises(ratsnlp_compat.FlaskUnavailableError, match="pip install flask"):
            classification.get_web_service_app(lambda s: s, is_colab=False)
    finally:
        ratsnlp_compat.disable()
        for name in HIDDEN:
            sys.modules.pop(name, None)
        sys.modules.update(real)
        ratsnlp_compat.enable()


def test_original_converter_fails_on_this_transformers(rats, classifier, korean_args):
    """Why the converter is swapped: ratsnlp's own tokenizer call, with (text, None) pairs."""
    classification, _ = rats
    tokenizer, _ = classifier
    examples = classification.NsmcCorpus().get_examples(str(reviews_dir("ko")), "test")[:4]
    ratsnlp_call = [(example.text_a, example.text_b) for example in examples]  # as corpus.py builds it
    with pytest.raises(TypeError):  # transformers 5: "TextInputSequence must be str"
        tokenizer(ratsnlp_call, max_length=MAX_LEN, padding="max_length", truncation=True)
    features = ratsnlp_compat.convert_examples_to_features(examples, tokenizer, korean_args, ["0", "1"])
    assert [f.input_ids for f in features] == tokenizer(
        [e.text_a for e in examples], max_length=MAX_LEN, padding="max_length", truncation=True
    )["input_ids"]


def test_korean_dataset_matches_the_tokenizer_and_feeds_the_model(rats, classifier, korean_args):
    classification, nlpbook = rats
    tokenizer, model = classifier
    texts, labels = load_reviews("ko", "train")

    corpus = classification.NsmcCorpus()
    dataset = classification.ClassificationDataset(korean_args, tokenizer, corpus, mode="train")
    assert len(dataset) == len(texts)
    assert [f.label for f in dataset] == [int(label) for label in labels]

    # The features are what the tokenizer itself makes of the same texts.
    reference = tokenizer(texts, max_length=MAX_LEN, padding="max_length", truncation=True)
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        assert [getattr(f, key) for f in dataset] == reference[key], key

    loader = DataLoader(dataset, batch_size=8, shuffle=False, collate_fn=nlpbook.data_collator)
    batch = next(iter(loader))
    assert batch["input_ids"].shape == (8, MAX_LEN)
    assert batch["labels"].dtype == torch.long
    with torch.no_grad():
        out = model(**batch)
    assert out.logits.shape == (8, 2)
    expected = torch.nn.functional.cross_entropy(out.logits, batch["labels"])
    torch.testing.assert_close(out.loss, expected)
    assert torch.isfinite(out.loss)

    test = classification.ClassificationDataset(korean_args, tokenizer, corpus, mode="test")
    assert len(test) == len(load_reviews("ko", "test")[0])


def test_disable_undoes_enable(rats):
    ratsnlp_compat.disable()
    try:
        assert not ratsnlp_compat.is_enabled()
        assert not any(name == "ratsnlp" or name.startswith("ratsnlp.") for name in sys.modules)
        if importlib.util.find_spec("pytorch_lightning") is None and importlib.util.find_spec("lightning") is None:
            with pytest.raises(ModuleNotFoundError):
                import ratsnlp.nlpbook.classification  # noqa: F401
    finally:
        ratsnlp_compat.enable()
