"""The book's review data set (bertkit/book/data/reviews_*) and its loader (bertkit/book/reviews.py).

The reference reader is the csv module with NSMC's settings (tab, quotechar '"'), as ratsnlp reads it.
"""

from __future__ import annotations

import csv
import fnmatch
import importlib.util
import itertools
import re
from pathlib import Path

import pytest

from bertkit.book import ratsnlp_compat
from bertkit.book.reviews import LANGS, SPLITS, load_reviews, reviews_dir

SIZES = {"train": 300, "test": 100}
CASES = list(itertools.product(LANGS, SPLITS))


def path_of(lang: str, split: str) -> Path:
    return reviews_dir(lang) / f"ratings_{split}.txt"


def csv_rows(lang: str, split: str) -> list[list[str]]:
    with open(path_of(lang, split), encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quotechar='"'))


def norm(text: str) -> str:
    """Lower case, punctuation and spacing removed: catches copies that differ only in those."""
    return re.sub(r"[\W_]+", "", text.lower())


@pytest.mark.parametrize("lang,split", CASES)
def test_size_and_balance(lang, split):
    texts, labels = load_reviews(lang, split)
    assert len(texts) == len(labels) == SIZES[split]
    assert sum(labels) == SIZES[split] // 2, "positives and negatives should be balanced"


@pytest.mark.parametrize("lang,split", CASES)
def test_layout_is_nsmc(lang, split):
    raw = path_of(lang, split).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
    text = raw.decode("utf-8")  # strict: fails on anything that is not UTF-8
    assert text.endswith("\n") and "\r" not in text
    lines = text.split("\n")[:-1]
    assert lines[0] == "id\tdocument\tlabel"
    for line in lines[1:]:
        fields = line.split("\t")
        assert len(fields) == 3, f"not three tab-separated fields: {line!r}"
        ident, document, label = fields
        assert re.fullmatch(r"[1-9][0-9]*", ident), line
        assert document and document == document.strip() and '"' not in document, line
        assert label in {"0", "1"}, line


@pytest.mark.parametrize("lang,split", CASES)
def test_labels_are_binary(lang, split):
    assert set(load_reviews(lang, split)[1]) == {0, 1}


@pytest.mark.parametrize("lang,split", CASES)
def test_load_reviews_equals_csv_reader(lang, split):
    rows = csv_rows(lang, split)
    assert all(len(row) == 3 for row in rows)
    texts, labels = load_reviews(lang, split)
    assert texts == [row[1] for row in rows[1:]]
    assert labels == [int(row[2]) for row in rows[1:]]
    assert all(isinstance(y, int) for y in labels)


@pytest.mark.parametrize("lang", LANGS)
def test_ids_unique(lang):
    ids = [int(row[0]) for split in SPLITS for row in csv_rows(lang, split)[1:]]
    assert len(ids) == len(set(ids)) == sum(SIZES.values())


@pytest.mark.parametrize("lang", LANGS)
def test_no_duplicates_and_no_overlap_between_splits(lang):
    train, test = (load_reviews(lang, split)[0] for split in SPLITS)
    for texts in (train, test):
        keys = [norm(t) for t in texts]
        assert len(set(keys)) == len(keys), "a review appears twice in one split"
    assert not {norm(t) for t in train} & {norm(t) for t in test}, "a review is in both splits"


@pytest.mark.parametrize("lang", LANGS)
def test_no_near_duplicates(lang):
    """No two reviews share most of their words (English) or character pairs (Korean, where endings vary)."""
    texts = [t for split in SPLITS for t in load_reviews(lang, split)[0]]

    def features(text: str) -> set[str]:
        if lang == "en":
            return set(re.findall(r"[\w']+", text.lower()))
        s = re.sub(r"[\W_]+", "", text)
        return {s[i : i + 2] for i in range(len(s) - 1)}

    feats = [features(t) for t in texts]
    close = [
        (texts[i], texts[j])
        for i, j in itertools.combinations(range(len(texts)), 2)
        if len(feats[i] & feats[j]) / len(feats[i] | feats[j]) >= 0.6
    ]
    assert not close, close[:5]


@pytest.mark.parametrize("lang", LANGS)
def test_lengths_vary(lang):
    lengths = [len(t.split()) for split in SPLITS for t in load_reviews(lang, split)[0]]
    assert min(lengths) >= 3 and max(lengths) <= 45
    assert min(lengths) <= 4 and max(lengths) >= 20, "short and long reviews both"


def test_languages_differ():
    en = " ".join(load_reviews("en", "train")[0])
    ko = " ".join(load_reviews("ko", "train")[0])
    assert not re.search(r"[\uac00-\ud7a3]", en), "Hangul in the English set"
    assert len(re.findall(r"[\uac00-\ud7a3]", ko)) > 0.5 * len(re.sub(r"\s", "", ko))


@pytest.mark.parametrize("lang", LANGS)
def test_reviews_dir(lang):
    folder = reviews_dir(lang)
    assert folder.is_dir()
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".txt") == [
        "ratings_test.txt",
        "ratings_train.txt",
    ]


def test_files_are_package_data():
    """pyproject's package-data patterns ship every data file (else a wheel install has no data)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("not running from the source tree")
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    patterns = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["bertkit.book"]
    package = reviews_dir("en").parents[1]
    for lang, split in CASES:
        relative = path_of(lang, split).relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), relative


@pytest.mark.parametrize(
    "kwargs,bad",
    [({"lang": "fr"}, "'fr'"), ({"split": "dev"}, "'dev'"), ({"lang": "EN"}, "'EN'"), ({"split": "valid"}, "'valid'")],
)
def test_bad_lang_or_split_raises(kwargs, bad):
    with pytest.raises(ValueError) as info:
        load_reviews(**kwargs)
    message = str(info.value)
    assert bad in message
    valid = LANGS if "lang" in kwargs else SPLITS
    assert all(repr(v) in message for v in valid), "the error lists the valid values"


def test_reviews_dir_bad_lang_raises():
    with pytest.raises(ValueError, match="'en', 'ko'"):
        reviews_dir("de")


@pytest.mark.parametrize("lang,split", CASES)
def test_ratsnlp_nsmc_reader(lang, split):
    """ratsnlp's own NSMC reader parses the files into the same texts and labels."""
    if importlib.util.find_spec("ratsnlp") is None:
        pytest.skip("ratsnlp is not installed (make install adds it)")
    ratsnlp_compat.enable()  # its classification package imports on today's libraries only through the compat layer
    from ratsnlp.nlpbook.classification.corpus import NsmcCorpus
    corpus = NsmcCorpus()
    examples = corpus.get_examples(str(reviews_dir(lang)), split)
    texts, labels = load_reviews(lang, split)
    assert [e.text_a for e in examples] == texts
    assert [e.label for e in examples] == [str(y) for y in labels]
    assert {e.label for e in examples} <= set(corpus.get_labels())
