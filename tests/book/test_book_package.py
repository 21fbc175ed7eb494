"""bertkit.book holds the book's helpers; the core never imports it, not even on attribute access."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import matplotlib
import pytest

import bertkit
import bertkit.book

CORE = sorted(p for p in Path(bertkit.__file__).parent.glob("*.py"))


def book_imports(source: str) -> list[str]:
    """The imports of ``bertkit.book`` (absolute, or relative from the core: ``from .book ...``) in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "bertkit.book" or a.name.startswith("bertkit.book.")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            absolute = module == "bertkit.book" or module.startswith("bertkit.book.")
            relative = node.level == 1 and (module == "book" or module.startswith("book.") or
                                            (not module and any(a.name == "book" for a in node.names)))
            if absolute or relative or (module == "bertkit" and any(a.name == "book" for a in node.names)):
                found.append("." * node.level + module)
    return found


def test_the_import_finder_can_fail():
    assert book_imports("from .book import glue\nimport bertkit.book.fonts\nfrom . import book") == [
        ".book", "bertkit.book.fonts", ".",
    ]
    assert book_imports("from .books import x\nimport bertkit.booking\nfrom .hooks import capture") == []


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_no_core_module_imports_the_book(path):
    assert book_imports(path.read_text(encoding="utf-8")) == []


def test_the_core_does_not_import_the_book_package(fresh_import):
    assert fresh_import["book_modules"] == []
    assert not fresh_import["book_attribute"], "bertkit.book is reached only by importing it"
    assert fresh_import["glue_module"] == "bertkit.book.notebook"


def test_book_helpers_are_in_bertkit_book_only():
    assert {"glue", "load_reviews", "reviews_dir", "use_korean_font"} <= set(bertkit.book.__all__)
    for name in ("glue", "load_reviews", "reviews_dir", "use_korean_font"):
        assert name not in bertkit.__all__, name
    with pytest.raises(AttributeError, match="no attribute 'glue'"):
        bertkit.glue  # noqa: B018


def test_the_book_data_lives_in_the_book_package():
    folder = bertkit.book.reviews_dir("en")
    assert folder.parent == Path(bertkit.book.__file__).parent / "data"


def test_korean_font_renders_hangul_without_missing_glyphs():
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    try:
        assert bertkit.book.use_korean_font() == "NanumGothic"
        fig, ax = plt.subplots()
        ax.set_title("은닉 상태의 코사인 유사도")
        ax.plot([-1, 1], [-1, 1])  # negative tick labels use the ASCII minus once use_korean_font ran
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            fig.canvas.draw()
        plt.close(fig)
    finally:
        matplotlib.rcParams.update(before)
