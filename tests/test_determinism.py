"""Two runs of a chapter print the same numbers: the chapters are seeded, and nothing depends on timing.

Under ``make test`` one of the two runs is nbmake's own (the executed copy tests/nbmake_cache.py keeps), so the
chapter is executed once more here, not twice; run alone, the test executes it twice.
"""

import re

import nbformat
from nbclient import NotebookClient

from _book import BOOK, ROOT

CHAPTER = BOOK / "en" / "02_all_layers.ipynb"
ADDRESS = re.compile(r"0x[0-9a-f]+")
EXECUTED = ROOT / "_build" / ".jupyter_cache" / "executed" / CHAPTER.relative_to(ROOT)  # nbmake's run, if any


def _same_code(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (a, b)]
    return code[0] == code[1]


def _execute(path) -> nbformat.NotebookNode:
    """The notebook executed in a fresh kernel."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def _printed(nb: nbformat.NotebookNode) -> list[str]:
    """What each cell of an executed notebook printed or displayed (not stderr), one string per cell."""
    texts = []
    for cell in nb.cells:
        # one string per cell: how a cell's prints are split into stream chunks depends on timing
        printed = ""
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                printed += out["text"]
            elif "data" in out and "text/plain" in out["data"]:
                printed += out["data"]["text/plain"] + "\n"
        texts.append(ADDRESS.sub("0x…", printed))
    return texts


def _first_run() -> nbformat.NotebookNode:
    """nbmake's executed copy of the chapter when it is there and of the current source, else a fresh run."""
    if EXECUTED.is_file():
        executed = nbformat.read(EXECUTED, as_version=4)
        if _same_code(executed, nbformat.read(CHAPTER, as_version=4)):
            return executed
    return _execute(CHAPTER)


def test_a_chapter_prints_the_same_numbers_twice(monkeypatch):
    # The kernel's environment as nbmake's in `make test`: one torch thread (the Makefile's NB_THREADS), and
    # matplotlib's notebook backend rather than conftest.py's Agg, so figures are displayed in both runs
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    first, second = _printed(_first_run()), _printed(_execute(CHAPTER))
    assert any(re.search(r"\d\.\d", t) for t in first), "the chapter should print numbers"
    assert first == second
