"""The Colab and student notebooks as a plain notebook viewer shows them: rendered to HTML by nbconvert and opened
in headless Chromium. No raw MyST in the visible text, no relative link, solutions closed (Colab) or absent (student).

Needs Debian's `chromium` and `chromium-driver`; without them the test skips (under CI=true it fails instead).
Checks are executed against blank and wrong answers in tests/book/test_checks.py; against the solutions, by the
chapters themselves (each solution cell is followed by its check cell, run by the book build and nbmake).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from _book import BOOK, ROOT, cells, source
from _browser import browser  # noqa: F401 - the fixture (Chromium, skipped or failed under CI when missing)

GENERATED = sorted(p for kind in ("colab", "student") for p in (ROOT / kind).glob("*/*.ipynb"))
IDS = [str(p.relative_to(ROOT)) for p in GENERATED]
RAW = ("{glue", "{ref}", ":::", "```{")


@pytest.fixture(scope="module")
def html_dir():
    path = Path(tempfile.mkdtemp(prefix="bertkit-editions-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _render(notebook: Path, out: Path) -> Path:
    """HTML the way a viewer (nbviewer, GitHub, Colab's preview) renders a notebook: nbconvert, no execution."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target = out / f"{notebook.parent.parent.name}-{notebook.parent.name}-{notebook.stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


# The text the browser renders in the elements a CSS selector picks (display:none and closed <details> left out):
# innerText, read in one call. WebDriver's element.text gives the same text (checked on every Colab and student
# notebook, whitespace aside) but walks the DOM in a script per element: about a second of Chromium per page.
SHOWN = "return Array.from(document.querySelectorAll(arguments[0])).map(el => el.innerText);"


# Every link a reader can follow in the rendered prose, as written (nbconvert's own heading anchors left out).
LINKS = ("return Array.from(document.querySelectorAll('.jp-MarkdownCell a[href]:not(.anchor-link)'))"
         ".map(a => a.getAttribute('href'));")


def _squash(text: str) -> str:
    """Whitespace as WebDriver's visible text has it: no-break spaces as spaces, runs of blanks as one, no empty lines."""
    return "\n".join(" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines() if line.strip())


def _shown(browser, selector: str) -> str:
    return _squash("\n".join(browser.execute_script(SHOWN, selector)))


def _solutions(notebook: Path) -> list[str]:
    chapter = BOOK / notebook.parent.name / notebook.name
    return [source(c) for c in cells(chapter) if c["cell_type"] == "code" and "solution" in c["metadata"].get("tags", [])]


def _signature(solution: str, notebook: Path) -> str:
    """The solution's longest code line (without its comment) that occurs nowhere else in the chapter."""
    chapter = BOOK / notebook.parent.name / notebook.name
    others = "\n".join(source(c) for c in cells(chapter) if source(c) != solution)
    lines = [ln.split("  #")[0].strip() for ln in solution.splitlines() if not ln.lstrip().startswith("#")]
    return max((ln for ln in lines if ln and ln not in others), key=len)


@pytest.mark.parametrize("notebook", GENERATED, ids=IDS)
def test_viewer_shows_no_myst_and_no_open_solution(notebook, browser, html_dir):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(_render(notebook, html_dir).as_uri())
    WebDriverWait(browser, 60).until(  # a busy machine may hand over the page before its body is parsed
        lambda d: d.execute_script("return document.readyState") == "complete" and d.find_elements(By.TAG_NAME, "body"))
    visible = _shown(browser, "body")
    prose = _shown(browser, ".jp-MarkdownCell")
    assert len(prose) > 1000, "no rendered markdown found"
    for raw in RAW:
        assert raw not in prose, f"raw {raw!r} shown in {notebook.relative_to(ROOT)}"
    links = browser.execute_script(LINKS)
    relative = [href for href in links if not href.startswith(("https://", "http://"))]
    assert not relative, f"links that break outside the book in {notebook.relative_to(ROOT)}: {relative[:5]}"
    details = browser.find_elements(By.TAG_NAME, "details")
    solutions = _solutions(notebook)
    if notebook.parts[-3] == "student":
        assert not details, "the student edition has no solutions"
        page = browser.page_source
        for solution in solutions:
            line = _signature(solution, notebook)
            assert json.dumps(line)[1:-1] not in page and _squash(line) not in visible
        return
    assert len(details) == len(solutions), "one closed solution block per exercise"
    for block in details:
        assert block.get_attribute("open") is None, "a solution is shown open"
        summary = block.find_element(By.TAG_NAME, "summary")
        assert summary.is_displayed() and summary.text.strip() in ("Solution", "풀이")
        assert not any(el.is_displayed() for el in block.find_elements(By.TAG_NAME, "pre")), "solution code visible"
    for solution in solutions:
        line = _signature(solution, notebook)
        assert _squash(line) not in visible, f"solution line visible: {line!r}"
    details[0].find_element(By.TAG_NAME, "summary").click()       # a reader opens it: the code is there
    assert details[0].get_attribute("open") is not None
    assert any(el.is_displayed() for el in details[0].find_elements(By.TAG_NAME, "pre"))
