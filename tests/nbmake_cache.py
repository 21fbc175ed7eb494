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

A model per edition: when ``BERTKIT_MODEL_KO`` (or ``_EN``) is set and not empty, every notebook under
``book/ko/`` (``book/en/``) runs with ``BERTKIT_MODEL`` set to it; otherwise with the ``BERTKIT_MODEL`` the run
inherits (unset: the bundled model). So one nbmake run, and the one book built from its cache, can show the Korean
edition on a Korean checkpoint and the English one on another. Each cache record keeps the model its notebook ran
on (``data["model"]``, "" for the bundled one); ``--verify DIR --expect book/ko=MODEL`` also fails when a
record under ``book/ko`` ran on another.

The cached copy is the source notebook with the executed cells' outputs filled in: jupyter-cache matches a
notebook by a hash of its code cells' source and metadata, and nbclient adds timing metadata to each executed
cell, which would make a straight copy of nbmake's result never match.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from pathlib import Path

import nbformat
import pytest

MARK = "nbmake"  # the `executed_by` of the cache records this plugin makes
EDITION_MODEL = {"ko": "BERTKIT_MODEL_KO", "en": "BERTKIT_MODEL_EN"}  # book/<edition>/ -> its variable


def model_for(path: Path, root: Path) -> str:
    """The ``BERTKIT_MODEL`` the notebook at ``path`` runs with: its edition's variable, else the inherited one."""
    parts = path.relative_to(root).parts
    variable = EDITION_MODEL.get(parts[1]) if len(parts) > 2 and parts[0] == "book" else None
    return (os.environ.get(variable, "") if variable else "") or os.environ.get("BERTKIT_MODEL", "")


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
    from nbmake import nb_run

    folder = config.getoption("--nb-cache")
    staging = Path(folder).resolve() / "executed" if folder else None
    root = Path(config.rootpath)
    run_execute = nb_run.NotebookRun.execute

    def execute(self: nb_run.NotebookRun):
        source = Path(self.filename).resolve()
        model = model_for(source, root)
        inherited = os.environ.get("BERTKIT_MODEL")
        _set_model(model)  # the kernel starts inside this call and takes this process's environment
        try:
            result = run_execute(self)
        finally:
            _set_model(inherited)
        if staging is not None and result.error is None:
            target = staging / source.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            executed = _with_outputs(source, result.nb)
            executed.metadata["bertkit"] = {"model": model}  # not hashed by jupyter-cache (only the kernelspec is)
            nbformat.write(executed, target)
        return result

    nb_run.NotebookRun.execute = execute  # nbmake has no hook for the executed notebook; this is its one call
    if folder:
        config._nb_cache = (Path(folder).resolve(), staging, root)  # type: ignore[attr-defined]


def _set_model(model: str | None) -> None:
    """Set (or, for None or "", remove) ``BERTKIT_MODEL`` in this process: one notebook runs at a time per process."""
    if model:
        os.environ["BERTKIT_MODEL"] = model
    else:
        os.environ.pop("BERTKIT_MODEL", None)


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
        data = {"executed_by": MARK, "model": nb.metadata.get("bertkit", {}).get("model", "")}
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(source), data=data), check_validity=False, overwrite=True)
        added.append(str(source))
    return added


def verify(folder: Path) -> list[str]:
    """Sources of the cache records nbmake did not make (notebooks the book build executed itself)."""
    from jupyter_cache import get_cache

    return sorted(r.uri for r in get_cache(str(folder)).list_cache_records() if r.data.get("executed_by") != MARK)


def models(folder: Path) -> dict[str, str]:
    """Source path -> the model its cached outputs came from ("" for the bundled model) for nbmake's records."""
    from jupyter_cache import get_cache

    records = get_cache(str(folder)).list_cache_records()
    return {r.uri: r.data.get("model", "") for r in records if r.data.get("executed_by") == MARK}


def wrong_models(folder: Path, expected: dict[str, str], root: Path) -> list[str]:
    """Records under a folder of ``expected`` (``{"book/ko": model}``) that ran on another model, described."""
    wrong = []
    for uri, model in sorted(models(folder).items()):
        rel = Path(uri).resolve().relative_to(root.resolve()).as_posix() if Path(uri).is_absolute() else uri
        for prefix, want in expected.items():
            if rel.startswith(prefix.rstrip("/") + "/") and model != want:
                wrong.append(
                    f"{rel}: ran on {model or 'the bundled model'!r}, expected {want or 'the bundled model'!r}"
                )
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", metavar="DIR", required=True, help="the jupyter-cache folder the book used")
    parser.add_argument(
        "--expect",
        metavar="FOLDER=MODEL",
        action="append",
        default=[],
        help="every notebook under FOLDER (e.g. book/ko) ran on MODEL (empty: the bundled model)",
    )
    args = parser.parse_args(argv)
    again = verify(Path(args.verify))
    if again:
        print("The book build executed these notebooks again (nbmake's run was not reused):", *again, sep="\n  ")
        return 1
    expected = dict(item.split("=", 1) for item in args.expect)
    wrong = wrong_models(Path(args.verify), expected, Path.cwd())
    if wrong:
        print("Notebooks whose outputs in the book came from another model than their edition's:", *wrong, sep="\n  ")
        return 1
    for folder, model in expected.items():
        print(f"{folder}: every notebook ran on {model or 'the bundled model'}")
    print(f"Every notebook in the book came from nbmake's run ({args.verify}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
