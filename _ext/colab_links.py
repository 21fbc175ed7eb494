"""The Colab launch button opens the generated Colab edition (colab/<edition>/NN.ipynb), not the MyST source.

sphinx-book-theme builds the button from the page's own path (book/<edition>/NN.ipynb), which Colab shows with
raw roles and open solutions. ``python tools/editions.py`` writes a Colab-ready copy of each chapter
under colab/; this hook, run after the theme's (priority 501), points the button there when that copy exists.
"""

from __future__ import annotations

from pathlib import Path


def _retarget(app, pagename, templatename, context, doctree) -> None:
    root = Path(app.srcdir)
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            url = button.get("url", "")
            if "colab.research.google.com/github/" not in url or "/book/" not in url:
                continue
            head, _, rel = url.partition("/blob/")
            branch, _, path = rel.partition("/")
            if path.startswith("book/") and (root / "colab" / path[len("book/"):]).exists():
                button["url"] = f"{head}/blob/{branch}/colab/{path[len('book/'):]}"


def setup(app):
    app.connect("html-page-context", _retarget, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
