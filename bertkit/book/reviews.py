"""The book's small labelled data set: short movie reviews, positive (1) or negative (0).

The sentences were written by hand for this book (no data set can be downloaded where the book is built),
in two independent sets: English (``en``) and Korean (``ko``). The Korean set reads like casual reviews on
a Korean movie site; neither set is a translation of the other. Each language has 400 reviews, 300 in
``train`` and 100 in ``test``, with as many positive as negative reviews in each split. About one review in
ten is hard for a bag-of-words model on purpose: negation ("not bad at all"), sarcasm, or praise and
complaint mixed in one review whose overall verdict is still clear. No review appears twice.

Layout: ``bertkit/book/data/reviews_<lang>/ratings_<split>.txt``, the layout of NSMC (the Naver sentiment
movie corpus), so readers that take NSMC, such as ratsnlp's ``NsmcCorpus``, read it unchanged: UTF-8,
tab-separated, a header line ``id<TAB>document<TAB>label``, then one review a line with a unique integer id, the
text (no tabs, no double quotes) and the label ``0`` or ``1``.

License: Apache-2.0, the same as bertkit.

    >>> texts, labels = load_reviews("en", "train")
    >>> len(texts), sum(labels)
    (300, 150)
"""

from __future__ import annotations

import csv
import io
import pathlib
from importlib import resources

LANGS = ("en", "ko")
"""The languages: English and Korean, written independently."""

SPLITS = ("train", "test")
"""The splits: ``train`` (300 reviews a language) and ``test`` (100)."""


def _check(lang: str, split: str | None = None) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown lang {lang!r}: choose one of {', '.join(map(repr, LANGS))}")
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(map(repr, SPLITS))}")


def reviews_dir(lang: str = "en") -> pathlib.Path:
    """The folder that holds ``ratings_train.txt`` and ``ratings_test.txt`` for one language.

    Pass it to an NSMC reader as its data folder, e.g. ratsnlp's
    ``NsmcCorpus().get_examples(str(reviews_dir("ko")), "train")``.

    Args:
        lang: ``"en"`` or ``"ko"``.

    Returns:
        A real folder on disk (the package is installed as files, from a wheel or in editable mode).

    Raises:
        ValueError: ``lang`` is not one of :data:`LANGS`.
        FileNotFoundError: bertkit was installed without its data files.
    """
    _check(lang)
    folder = resources.files("bertkit.book") / "data" / f"reviews_{lang}"
    path = pathlib.Path(str(folder))
    if not (path / "ratings_train.txt").is_file():
        raise FileNotFoundError(
            f"{path} has no ratings_train.txt: bertkit was installed without its data files; "
            "reinstall it (pip install --force-reinstall bertkit) from a wheel or source tree that has them"
        )
    return path


def load_reviews(lang: str = "en", split: str = "train") -> tuple[list[str], list[int]]:
    """Read one split of the reviews.

    Args:
        lang: ``"en"`` or ``"ko"``. split: ``"train"`` (300 reviews) or ``"test"`` (100).

    Returns:
        ``(texts, labels)``: two lists of the same length, in file order; a label is ``1`` for a positive
        review and ``0`` for a negative one.

    Raises:
        ValueError: ``lang`` or ``split`` is not a valid value.
    """
    _check(lang, split)
    text = (resources.files("bertkit.book") / "data" / f"reviews_{lang}" / f"ratings_{split}.txt").read_text(
        encoding="utf-8"
    )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"'))
    header, body = rows[0], rows[1:]
    if header != ["id", "document", "label"]:
        raise ValueError(f"ratings_{split}.txt for {lang!r} has header {header}, expected id, document, label")
    texts = [row[1] for row in body]
    labels = [int(row[2]) for row in body]
    return texts, labels
