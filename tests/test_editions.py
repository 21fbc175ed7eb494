"""The generated Colab and student notebooks (bertkit.book.editions): up to date with book/, no MyST left,
solutions folded (Colab) or removed (student), links that point at pages of the rendered book.

Cheap and deterministic: regenerating reads the chapters and colab/glue.json, and executes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from _book import BOOK, ROOT, cells, notebooks, source
from bertkit.book import editions

GENERATED = editions.generate(ROOT)
COLAB = sorted(p for p in GENERATED if p.parts[0] == "colab")
STUDENT = sorted(p for p in GENERATED if p.parts[0] == "student")
MYST = re.compile(r"\{glue|\{ref\}|\{[a-z]+\}`|^\s*:::|```\{|^\((?:ko|en)-[\w-]+\)=", re.MULTILINE)
REGENERATE = "run `python -m bertkit.book.editions` (after `make book`: add --glue-from-build) and commit colab/ student/"


def _nb(rel: Path) -> dict:
    return json.loads(GENERATED[rel])


def _markdown(nb: dict) -> str:
    return "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def _solutions(chapter: Path) -> list[str]:
    return [source(c) for c in cells(chapter) if c["cell_type"] == "code" and "solution" in c["metadata"].get("tags", [])]


def test_every_chapter_has_both_editions():
    expected = {Path(kind) / p.relative_to(BOOK) for p in notebooks() if p.name[:2].isdigit() for kind in ("colab", "student")}
    assert set(GENERATED) == expected


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_committed_copy_is_up_to_date(rel):
    path = ROOT / rel
    assert path.exists(), f"{rel} is missing: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == GENERATED[rel], f"{rel} is out of date with book/: {REGENERATE}"


def test_no_stale_generated_files():
    stale = [p.relative_to(ROOT) for kind in ("colab", "student") for p in (ROOT / kind).glob("*/*.ipynb")
             if p.relative_to(ROOT) not in GENERATED]
    assert not stale, f"generated notebooks without a chapter: {stale}; {REGENERATE}"


@pytest.mark.parametrize("chapter", [p for p in notebooks() if p.name[:2].isdigit()], ids=lambda p: str(p.relative_to(BOOK)))
def test_every_glued_number_has_a_value(chapter):
    values = editions.read_glue(ROOT).get(f"{chapter.parent.name}/{chapter.stem}", {})
    missing = sorted(editions.glue_names(chapter) - set(values))
    assert not missing, f"colab/glue.json has no value for {missing}: {REGENERATE}"


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_no_myst_left(rel):
    text = _markdown(_nb(rel))
    left = [m.group(0) for m in MYST.finditer(text)]
    assert not left, f"MyST syntax left in {rel}: {left[:5]}"


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_first_cell_is_the_title_and_the_colab_setup_comes_first(rel):
    nb = _nb(rel)
    assert source(nb["cells"][0]).startswith("# ")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert 'if "google.colab" in sys.modules' in source(code[0])


@pytest.mark.parametrize("rel", COLAB, ids=str)
def test_colab_solutions_are_folded(rel):
    chapter = BOOK / Path(*rel.parts[1:])
    nb = _nb(rel)
    details = [source(c) for c in nb["cells"] if "<details>" in source(c)]
    for solution in _solutions(chapter):
        assert not any(source(c) == solution for c in nb["cells"] if c["cell_type"] == "code"), "solution as code"
        assert any(solution in d for d in details), f"solution not inside a <details> block:\n{solution[:200]}"
    for d in details:
        assert "<details open" not in d and d.count("<details>") == d.count("</details>")


@pytest.mark.parametrize("rel", STUDENT, ids=str)
def test_student_edition_has_no_solutions(rel):
    chapter = BOOK / Path(*rel.parts[1:])
    text = "\n".join(source(c) for c in _nb(rel)["cells"])
    others = "\n".join(source(c) for c in cells(chapter) if "solution" not in c["metadata"].get("tags", []))
    for solution in _solutions(chapter):
        lines = [ln.split("  #")[0].strip() for ln in solution.splitlines() if not ln.lstrip().startswith("#")]
        own = max((ln for ln in lines if ln and ln not in others), key=len)   # occurs in no other cell
        assert own not in text, f"solution line left in the student edition: {own!r}"
    assert "<details>" not in text
    stubs = [c for c in _nb(rel)["cells"] if "exercise-stub" in c["metadata"].get("tags", [])]
    assert len(stubs) == len(_solutions(chapter)), "one answer cell per exercise"
    assert all("= None" in source(c) for c in stubs)


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_links_point_at_pages_of_the_book(rel):
    url = editions.book_url(ROOT)
    refs = editions.labels(ROOT)
    for target in re.findall(r"\]\((" + re.escape(url) + r"[^)\s]*)\)", _markdown(_nb(rel))):
        page, _, anchor = target[len(url):].partition("#")
        if not page:
            continue  # the book's front page
        assert page.endswith(".html"), target
        stem = page[: -len(".html")]
        assert (ROOT / f"{stem}.ipynb").exists() or (ROOT / f"{stem}.md").exists(), f"{target}: no such page"
        if anchor:
            assert refs.get(anchor, (None,))[0] == stem, f"{target}: no label {anchor!r} on that page"


@pytest.mark.parametrize("chapter", [p for p in notebooks() if p.name[:2].isdigit()], ids=lambda p: str(p.relative_to(BOOK)))
def test_math_is_kept(chapter):
    math = re.findall(r"\$[^$\n]+\$", "\n".join(source(c) for c in cells(chapter) if c["cell_type"] == "markdown"))
    colab = _markdown(_nb(Path("colab") / chapter.relative_to(BOOK)))
    assert all(m in colab for m in math)


def test_to_markdown_on_each_construct():
    refs = {"en-ch2-layers": ("book/en/02_all_layers", "", "2. All layers"),
            "en-sec": ("book/en/03_pooling", "en-sec", "Pooling")}
    text = ("(en-x)=\n# T\n\nA {glue:text}`n` and {glue}`gone`, see {ref}`en-ch2-layers` and {ref}`this <en-sec>`,"
            " [also](en-sec), {math}`x^2` and $y$.\n\n:::{admonition} Solution\n:class: dropdown\nbody\n:::\n\n:::{note}\nN\n:::\n")
    out = editions.to_markdown(text, "en", {"n": "6"}, refs, "https://b.example/")
    assert out.startswith("# T")
    assert "6<sup>†</sup>" in out and "`gone` (printed by the code above)" in out
    assert "[2. All layers](https://b.example/book/en/02_all_layers.html)" in out
    assert "[this](https://b.example/book/en/03_pooling.html#en-sec)" in out
    assert "[also](https://b.example/book/en/03_pooling.html#en-sec)" in out
    assert "$x^2$" in out and "$y$" in out
    assert "<details><summary>Solution</summary>\n\nbody\n\n</details>" in out
    assert "> **Note**\n>\n> N" in out
    assert not MYST.search(out)


def test_colab_button_points_at_the_colab_edition(tmp_path):
    """_ext/colab_links.py rewrites the theme's Colab URL from book/ to colab/ when the copy exists."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("colab_links", ROOT / "_ext" / "colab_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "colab" / "en").mkdir(parents=True)
    (tmp_path / "colab" / "en" / "01_x.ipynb").write_text("{}")
    base = "https://colab.research.google.com/github/o/r/blob/main/"
    buttons = [{"url": base + "book/en/01_x.ipynb"}, {"url": base + "book/en/02_y.ipynb"},
               {"url": "https://mybinder.org/v2/gh/o/r/main?urlpath=book/en/01_x.ipynb"}]
    context = {"header_buttons": [{"type": "group", "buttons": buttons}]}

    class App:
        srcdir = str(tmp_path)

    module._retarget(App, "book/en/01_x", "page.html", context, None)
    assert [b["url"] for b in buttons] == [base + "colab/en/01_x.ipynb", base + "book/en/02_y.ipynb",
                                           "https://mybinder.org/v2/gh/o/r/main?urlpath=book/en/01_x.ipynb"]
