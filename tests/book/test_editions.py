"""The generated Colab and student notebooks (tools/editions.py): up to date with book/, no MyST left,
solutions folded (Colab) or removed (student), absolute links that point at pages of the rendered book, the
install pinned to the package's version, and Run all of every blank student notebook reaching the end.

Cheap and deterministic apart from the last test: regenerating reads the chapters and colab/glue.json, and
executes nothing.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

from _book import BOOK, ROOT, cells, notebooks, source

_spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)

GENERATED = editions.generate(ROOT)
COLAB = sorted(p for p in GENERATED if p.parts[0] == "colab")
STUDENT = sorted(p for p in GENERATED if p.parts[0] == "student")
MYST = re.compile(r"\{glue|\{ref\}|\{[a-z]+\}`|^\s*:::|```\{|^\((?:ko|en)-[\w-]+\)=", re.MULTILINE)
REGENERATE = "run `python tools/editions.py` (after `make book`: add --glue-from-build) and commit colab/ student/"


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
    if rel.parts[0] == "student":   # the student edition starts with the cell for the student's name or id
        assert code[0]["metadata"].get("tags") == ["student-id"] and 'student_id = ""' in source(code[0])
        code = code[1:]
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


LINK = re.compile(r"\]\(([^)\s]+)|(?:href|src)=[\"']([^\"']+)")


def test_install_cell_pins_the_package_version():
    """Colab installs the release the notebooks were made from: the tag of pyproject.toml's version."""
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8").split("[project]", 1)[1]
    version = re.search(r'^version = "([^"]+)"$', project, re.MULTILINE).group(1)
    url = editions.config(ROOT)["repository"]["url"]
    for rel in GENERATED:
        for label, nb in (("generated", _nb(rel)), ("committed", json.loads((ROOT / rel).read_text(encoding="utf-8")))):
            installs = re.findall(r'"bertkit\[book\] @ git\+([^"]+)"', "\n".join(source(c) for c in nb["cells"]))
            assert installs == [f"{url}@v{version}"], (
                f"{label} {rel} installs {installs}, not v{version} of pyproject.toml: {REGENERATE}")


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_no_relative_links(rel):
    """Relative links break outside the book (Colab, GitHub, a download): every link must be absolute."""
    text = _markdown(_nb(rel))
    relative = [a or b for a, b in LINK.findall(text) if not re.match(r"https?://", a or b)]
    assert not relative, f"relative links in {rel}: {relative[:5]}"


def test_relative_links_become_pages_of_the_book():
    url, repo = "https://b.example/", "https://github.com/o/r"
    text = ("[load](../reference/bertkit.loading.md#x), ![fig](img/a.png), [ch](02_all_layers.ipynb), "
            "<a href=\"03_pooling.md\">p</a>, see `bertkit/inputs.py` and [`tests/x.py`](https://e.x/y)")
    out = editions.absolute_links(text, "book/en", url, repo, "v1.2.3")
    assert "[load](https://b.example/book/reference/bertkit.loading.html#x)" in out
    assert "![fig](https://b.example/book/en/img/a.png)" in out
    assert "[ch](https://b.example/book/en/02_all_layers.html)" in out
    assert '<a href="https://b.example/book/en/03_pooling.html">' in out
    assert "[`bertkit/inputs.py`](https://github.com/o/r/blob/v1.2.3/bertkit/inputs.py)" in out
    assert "[`tests/x.py`](https://e.x/y)" in out
    assert not [a or b for a, b in LINK.findall(out) if not (a or b).startswith("https://")]


def _build_statements(code: str) -> int:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return 0
    return sum(isinstance(n, ast.Assert) or isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
               and "glue" in (getattr(n.value.func, "attr", ""), getattr(n.value.func, "id", "")) for n in tree.body)


@pytest.mark.parametrize("rel", sorted(GENERATED), ids=str)
def test_readers_see_no_glue_or_assert_statements(rel):
    """glue() and the asserts only feed and guard the book's prose; the generated notebooks show the values instead."""
    assert sum(_build_statements(source(c)) for c in _nb(rel)["cells"] if c["cell_type"] == "code") == 0


def test_build_code_is_left_out_and_everything_else_kept():
    code = ('x = f()\nbertkit.book.glue("n", f"{x:.3f}")  # for the prose\nglue("m",\n     2)\n# a claim\n'
            'if bertkit.is_bundled(model):\n    assert x > 0, x\n    glue("k", 1)\nassert x\nif x:\n    print(x)\n'
            '    assert x\nfor k in range(3):\n    glue(f"k{k}", k)\nprint(x)')
    assert editions.without_build_code(code) == 'x = f()\n# a claim\nif x:\n    print(x)\n    assert x\nprint(x)'
    assert editions.without_build_code("y = 1; glue('a', y)") == "y = 1; glue('a', y)"


def test_blank_student_notebooks_run_to_the_end(tmp_path):
    """Run all on every student notebook as handed out, answers blank: no cell stops it, and the last cell, the
    self-check, lists what is open. The kernels run two at a time, offline, not in strict mode (as a student's)."""
    import asyncio
    import os
    from concurrent.futures import ThreadPoolExecutor

    import nbformat
    from nbclient import NotebookClient

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "BERTKIT_CHECK_STRICT": "0",
           "OMP_NUM_THREADS": "1"}

    def run(rel: Path) -> str:
        nb = nbformat.reads(GENERATED[rel], as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        try:
            asyncio.run(client.async_execute(env=env))
        except Exception as err:  # CellExecutionError names the cell and shows its traceback
            return f"{rel}: {str(err)[-1500:]}"
        last = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in nb.cells[-1].outputs)
        return "" if last.startswith("✗") and "check.ch" in last else f"{rel}: the self-check printed {last[:300]!r}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(run, STUDENT) if p]
    assert not problems, "\n\n".join(problems)
