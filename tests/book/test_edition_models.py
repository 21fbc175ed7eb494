"""A model per edition in one build: BERTKIT_MODEL_KO / BERTKIT_MODEL_EN (tests/nbmake_cache.py, the Makefile).

Two probe notebooks, book/ko/ and book/en/, each printing the ``BERTKIT_MODEL`` its kernel got, are run by one
nbmake session with the Korean variable set and the English one not (so the English edition gets the inherited
model: here none, the bundled one), into a fresh jupyter-cache; then one Jupyter Book build reads that cache.
The built pages must show each edition's model, the cache records must say the same, and the build must have
executed nothing itself. `make test` does the same with the real chapters (tests/families.py's RoBERTa checkpoint
for the Korean edition, the bundled model for the English one) and checks the records with
``nbmake_cache.py --verify --expect``. The Colab and student editions name the model their † values came from,
as the cache records it (tools/edition_models.py).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "tests"))
import nbmake_cache  # noqa: E402

_spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)  # type: ignore[union-attr]
import edition_models  # noqa: E402  (tools/, on the path once editions is loaded)

# jupyter-cache finds a notebook's outputs by a hash of its code: like the chapters (their parameter cell), the
# two editions' probes differ in one line, or one cache record would serve both
PROBE = 'EDITION = "{}"\nimport os\nprint("model:", repr(os.environ.get("BERTKIT_MODEL", "")))'
CONFIG = """title: probe
only_build_toc_files: true
execute:
  execute_notebooks: cache
  cache: _build/.jupyter_cache
"""
TOC = "format: jb-book\nroot: intro\nchapters:\n  - file: book/ko/probe\n  - file: book/en/probe\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """A two-edition probe book run by nbmake with BERTKIT_MODEL_KO set, then built from the cache."""
    book = tmp_path_factory.mktemp("edition-models")
    korean = str(book / "a-korean-checkpoint")
    (book / "a-korean-checkpoint").mkdir()  # a folder, as the test checkpoints are: the editions name it by its name
    for edition in ("ko", "en"):
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# {edition}"), nbformat.v4.new_code_cell(PROBE.format(edition))]
        )
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        (book / "book" / edition).mkdir(parents=True)
        nbformat.write(nb, book / "book" / edition / "probe.ipynb")
    (book / "intro.md").write_text("# Probe\n", encoding="utf-8")
    (book / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (book / "_toc.yml").write_text(TOC, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("BERTKIT_MODEL", "BERTKIT_MODEL_EN", "PYTEST_ADDOPTS")}
    env.update(BERTKIT_MODEL_KO=korean, PYTHONPATH=str(ROOT))
    run = [
        sys.executable,
        "-m",
        "pytest",
        "book",
        "--nbmake",
        "-p",
        "tests.nbmake_cache",
        "-p",
        "no:cacheprovider",
        "--nb-cache=_build/.jupyter_cache",
        "--rootdir",
        str(book),
        "-q",
    ]
    done = subprocess.run(run, cwd=book, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    jb = [str(Path(sys.executable).with_name("jupyter-book")), "build", ".", "--all", "-W"]
    done = subprocess.run(jb, cwd=book, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return book, korean


def test_one_build_shows_each_edition_on_its_own_model(built):
    book, korean = built
    html = {
        ed: (book / "_build" / "html" / "book" / ed / "probe.html").read_text(encoding="utf-8") for ed in ("ko", "en")
    }
    assert f"model: &#39;{korean}&#39;" in html["ko"] or f"model: '{korean}'" in html["ko"], (
        "ko page: not the Korean model"
    )
    assert "model: &#39;&#39;" in html["en"] or "model: ''" in html["en"], "en page: not the inherited (bundled) model"


def test_the_cache_records_each_editions_model_and_the_build_executed_nothing(built):
    book, korean = built
    cache = book / "_build" / ".jupyter_cache"
    assert nbmake_cache.verify(cache) == [], "the book build executed a notebook itself"
    by_edition = {Path(uri).parent.name: model for uri, model in nbmake_cache.models(cache).items()}
    assert by_edition == {"ko": korean, "en": ""}
    assert nbmake_cache.wrong_models(cache, {"book/ko": korean, "book/en": ""}, book) == []
    swapped = nbmake_cache.wrong_models(cache, {"book/ko": "", "book/en": korean}, book)
    assert len(swapped) == 2, f"--expect does not catch a notebook on another model: {swapped}"


def test_the_editions_say_which_model_their_values_came_from(built):
    book, _ = built
    found = edition_models.models_from_build(book, "_build/.jupyter_cache")
    assert found == {"ko/probe": {edition_models.MODEL: "a-korean-checkpoint"}, "en/probe": {edition_models.MODEL: ""}}
    chapter = sorted((ROOT / "book" / "ko").glob("[0-9][0-9]_*.ipynb"))[0]
    refs, url = editions.labels(ROOT), editions.book_url(ROOT)
    for kind in editions.OUTPUTS:
        named = (
            editions.make_edition(chapter, kind, {edition_models.MODEL: "klue/bert-base"}, refs, url).cells[1].source
        )
        default = editions.make_edition(chapter, kind, {}, refs, url).cells[1].source
        assert "`klue/bert-base`" in named and "all-MiniLM-L6-v2" not in named, named
        assert "all-MiniLM-L6-v2" in default and "klue" not in default, default
