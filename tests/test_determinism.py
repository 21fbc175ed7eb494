"""Two runs of a chapter print the same numbers: the chapters are seeded, and nothing depends on timing."""

import re

import nbformat
from nbclient import NotebookClient

from _book import BOOK

CHAPTER = BOOK / "en" / "02_all_layers.ipynb"
ADDRESS = re.compile(r"0x[0-9a-f]+")


def _printed(path) -> list[str]:
    """Execute a notebook in a fresh kernel; return what each cell printed or displayed (not stderr), one string per cell."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
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


def test_a_chapter_prints_the_same_numbers_twice():
    first, second = _printed(CHAPTER), _printed(CHAPTER)
    assert any(re.search(r"\d\.\d", t) for t in first), "the chapter should print numbers"
    assert first == second
