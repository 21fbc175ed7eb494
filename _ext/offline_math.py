"""MathJax served from the book itself, so math renders on a machine without internet.

Sphinx's default ``mathjax_path`` is jsDelivr's CDN. The MathJax 3 files come from the PyPI package
sphinx-mathjax-offline (pinned in requirements.txt), so ``make`` stays pip-only. We don't enable that package
as an extension: it points every math page at ``tex-chtml.js`` (1.1 MB, most of it the context menu and
accessibility code). Pages load ``startup.js`` instead, and its loader fetches only the TeX input and the
CommonHTML output (about 650 kB in all) plus the few math fonts a page uses. Pages without math load nothing
(Sphinx adds MathJax only where a page has equations).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.util.fileutil import copy_asset

ENTRY = "mathjax/startup.js"
COMPONENTS = ["input/tex", "output/chtml"]


def mathjax_source() -> Path:
    """The ``static/mathjax`` folder of the installed sphinx-mathjax-offline (a module named with hyphens)."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("sphinx-mathjax-offline is not installed: `pip install -r requirements.txt`.")
    return Path(next(iter(spec.submodule_search_locations)), "static", "mathjax")


def _configure(app) -> None:
    """Point pages at the local loader; keep what myst-parser put into ``mathjax3_config``."""
    app.config.mathjax_path = ENTRY
    config = dict(app.config.mathjax3_config or {})
    loader = dict(config.get("loader", {}))
    loader["load"] = COMPONENTS
    config["loader"] = loader
    # the chtml output's fonts: relative to the page, under _static/mathjax (not the CDN MathJax defaults to)
    config.setdefault("chtml", {})["fontURL"] = "[mathjax]/output/chtml/fonts/woff-v2"
    app.config.mathjax3_config = config


def _copy(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        copy_asset(str(mathjax_source()), str(Path(app.outdir, "_static", "mathjax")))


def setup(app):
    app.connect("builder-inited", _configure, priority=900)  # after myst-parser's override_mathjax (500)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
