"""Let the book build reuse the notebooks nbmake executed, so `make test` runs each chapter once per model.

A pytest plugin, loaded with ``-p tests.nbmake_cache`` next to ``--nbmake``:

    python -m pytest book --nbmake -p tests.nbmake_cache --nb-cache=_build/.jupyter_cache

Each notebook nbmake runs without error is written, with its outputs, to ``<cache>/executed/<path>`` (never into
the source tree: the committed notebooks stay without outputs). When the session ends (in the controlling
process under pytest-xdist, after every worker is done) those copies are added to the jupyter-cache at
``<cache>``, the cache Jupyter Book reads with ``execute_notebooks: cache`` (see ``_config.yml``). The build then
takes each chapter's outputs from the cache instead of executing it; a chapter missing from the cache (not run,
or failed) is executed by the build as usual, so the book is always complete.

    python tests/nbmake_cache.py --verify _build/.jupyter_cache

exits non-zero, naming the notebooks, when the build executed anything itself (a record in the cache that
nbmake did not make): the check that nothing ran twice.

The cached copy is the source notebook with the executed cells' outputs filled in: jupyter-cache matches a
notebook by a hash of its code cells' source and metadata, and nbclient adds timing metadata to each executed
cell, which would make a straight copy of nbmake's result never match.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat
import pytest

MARK = "nbmake"  # the `executed_by` of the cache records this plugin makes


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nb-cache",
        default=None,
        metavar="DIR",
        help="jupyter-cache folder to add every notebook nbmake executed without error to (for the book build)",
    )


# The chapters that take longest (fine-tuning: about 37 s on the default model, three times any other) start first,
# so that the two workers finish together instead of one core idling while the last long chapter runs.
LONGEST_FIRST = ("06_finetuning",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(name in item.nodeid for name in LONGEST_FIRST))  # stable: order kept


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption("--nb-cache")
    if not folder:
        return
    from nbmake import nb_run

    staging = Path(folder).resolve() / "executed"
    root = Path(config.rootpath)
    run_execute = nb_run.NotebookRun.execute

    def execute(self: nb_run.NotebookRun):
        result = run_execute(self)
        if result.error is None:
            source = Path(self.filename).resolve()
            target = staging / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(_with_outputs(source, result.nb), target)
        return result

    nb_run.NotebookRun.execute = execute  # nbmake has no hook for the executed notebook; this is its one call
    config._nb_cache = (Path(folder).resolve(), staging, root)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "_nb_cache") or hasattr(session.config, "workerinput"):
        return  # not asked for, or an xdist worker: the controller adds everything once the workers are done
    folder, staging, root = session.config._nb_cache  # type: ignore[attr-defined]
    added = add_to_cache(folder, staging, root)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nnbmake_cache: {len(added)} executed notebook(s) added to {folder}")


def _with_outputs(source: Path, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The source notebook (metadata untouched, so the cache's hash matches) with the executed outputs."""
    nb = nbformat.read(source, as_version=4)
    if len(nb.cells) != len(executed.cells):
        raise RuntimeError(f"{source}: the executed notebook has a different number of cells")
    for cell, done in zip(nb.cells, executed.cells):
        if cell.cell_type == "code":
            cell.outputs = copy.deepcopy(done.get("outputs", []))
            cell.execution_count = done.get("execution_count")
    if "language_info" in executed.metadata:
        nb.metadata["language_info"] = executed.metadata["language_info"]
    return nb


def add_to_cache(folder: Path, staging: Path, root: Path) -> list[str]:
    """Add every staged notebook to the jupyter-cache at ``folder`` under its source path; returns the paths."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(folder))
    added = []
    for path in sorted(staging.rglob("*.ipynb")):
        source = root / path.relative_to(staging)
        nb = nbformat.read(path, as_version=4)
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str(source), data={"executed_by": MARK}), check_validity=False, overwrite=True
        )
        added.append(str(source))
    return added


def verify(folder: Path) -> list[str]:
    """Sources of the cache records nbmake did not make (notebooks the book build executed itself)."""
    from jupyter_cache import get_cache

    return sorted(r.uri for r in get_cache(str(folder)).list_cache_records() if r.data.get("executed_by") != MARK)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", metavar="DIR", required=True, help="the jupyter-cache folder the book used")
    args = parser.parse_args(argv)
    again = verify(Path(args.verify))
    if again:
        print("The book build executed these notebooks again (nbmake's run was not reused):", *again, sep="\n  ")
        return 1
    print(f"Every notebook in the book came from nbmake's run ({args.verify}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
