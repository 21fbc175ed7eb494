"""bertkit.book holds the book's helpers; the core never imports it; the 0.1 names still work, with one warning."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import bertkit
import bertkit.book
from bertkit import _deprecated


def _python(code: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_core_does_not_import_the_book_package(fresh_import):
    assert fresh_import["book_modules"] == []


def test_book_helpers_are_in_bertkit_book():
    assert {"glue", "load_reviews", "reviews_dir", "use_korean_font"} <= set(bertkit.book.__all__)
    for name in ("glue", "load_reviews", "reviews_dir", "use_korean_font"):
        assert name not in bertkit.__all__, name


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("glue", bertkit.book.glue),
        ("load_reviews", bertkit.book.load_reviews),
        ("reviews_dir", bertkit.book.reviews_dir),
        ("use_korean_font", bertkit.book.use_korean_font),
    ],
)
def test_old_names_warn_once_and_give_the_new_object(monkeypatch, old, new):
    monkeypatch.setattr(_deprecated, "_WARNED", set())
    with pytest.warns(DeprecationWarning, match=rf"bertkit\.{old} moved to bertkit\.book\.{old}") as record:
        assert getattr(bertkit, old) is new
    assert record[0].filename == __file__, "the warning points at the reader's line, not into bertkit"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert getattr(bertkit, old) is new  # a second use is silent: a notebook gets one warning per name


def test_plots_use_korean_font_still_works(monkeypatch):
    monkeypatch.setattr(_deprecated, "_WARNED", set())
    with pytest.warns(DeprecationWarning, match="bertkit.book.use_korean_font"):
        assert bertkit.plots.use_korean_font is bertkit.book.use_korean_font


def test_old_modules_are_the_moved_modules():
    code = (
        "import importlib, warnings\n"
        "for module in ('notebook', 'reviews', 'ratsnlp_compat'):\n"
        "    with warnings.catch_warnings(record=True) as w:\n"
        "        warnings.simplefilter('always')\n"
        "        old = importlib.import_module('bertkit.' + module)\n"
        "        via_from = getattr(__import__('bertkit', fromlist=[module]), module)\n"
        "    new = importlib.import_module('bertkit.book.' + module)\n"
        "    said = [str(x.message) for x in w if x.category is DeprecationWarning]\n"
        "    print(module, old is new, via_from is new, f'bertkit.{module} moved to bertkit.book.{module}' in said[0])\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [f"{m} True True True" for m in ("notebook", "reviews", "ratsnlp_compat")]


def test_an_old_import_in_a_chapter_runs_with_warnings_as_errors_off_by_default():
    """What a chapter does today (``from bertkit.reviews import reviews_dir``): it works, and says what to use."""
    result = _python("from bertkit.reviews import reviews_dir; print(reviews_dir('en').name)", "-W", "default")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "reviews_en"
    assert "DeprecationWarning: bertkit.reviews moved to bertkit.book.reviews" in result.stderr
    assert "<string>:1" in result.stderr, "the warning names the reader's line"


def test_bertkit_book_is_reachable_from_bertkit_without_being_imported_by_it(fresh_import):
    assert "bertkit.book" not in fresh_import["book_modules"]
    assert fresh_import["glue_module"] == "bertkit.book.notebook"


def test_unknown_attribute_still_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bertkit.nope  # noqa: B018
