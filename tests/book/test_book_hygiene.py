"""Chapters are committed clean, share one Colab set-up cell, are all in the table of contents, and have the
agreed shape (what you will learn, summary, exercises with hidden solutions, self-check)."""

import re

import pytest
import yaml

from _book import BOOK, EDITIONS, ROOT, cells, markdown, notebooks, pages, source

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TOC = (ROOT / "_toc.yml").read_text(encoding="utf-8")
NOTEBOOKS = notebooks()
IDS = [str(p.relative_to(BOOK)) for p in NOTEBOOKS]
SECTIONS = {
    "ko": ["## 이 장에서 배울 것", "## 요약", "## 연습문제", "## 스스로 확인하기"],
    "en": ["## What you will learn", "## Summary", "## Exercises", "## Self-check"],
}


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"cell {i} has outputs: strip them (nbstripout)"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_colab_setup_cell_installs_from_the_configured_repository(path):
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    first = source(code[0])
    assert "google.colab" in first and "pip" in first, "the first code cell must be the Colab set-up cell"
    assert f"git+{CONFIG['repository']['url']}" in first, "install URL differs from repository.url in _config.yml"
    assert "hide-input" in code[0]["metadata"].get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_chapter_has_the_agreed_shape(path):
    edition = path.relative_to(BOOK).parts[0]
    text = markdown(path)
    for heading in SECTIONS[edition]:
        assert re.search(rf"^{re.escape(heading)}\s*$", text, re.MULTILINE), f"missing section {heading!r}"
    exercises = text.split(SECTIONS[edition][2], 1)[1]
    assert 2 <= exercises.count(":class: dropdown") <= 6, "2-4 exercises, each with a hidden (dropdown) solution"


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_page_is_in_the_table_of_contents(edition):
    for page in pages(edition):
        entry = str(page.relative_to(ROOT).with_suffix(""))
        assert f"file: {entry}\n" in TOC + "\n", f"{entry} is not in _toc.yml"


def test_every_toc_entry_exists():
    for entry in re.findall(r"file:\s*(\S+)", TOC):
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), f"_toc.yml names missing {entry}"
