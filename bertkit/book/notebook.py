"""Small helpers for the book's notebooks: glue numbers into the prose, with a fallback outside the build."""

from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, display: bool = False) -> None:
    """Hand a value from the run to the prose (``{glue:}`name``` in the chapter's markdown).

    Under ``jupyter-book build`` and nbmake, this is ``myst_nb.glue``. Where myst-nb is not installed
    (Colab), the glue roles are not rendered, so the value is printed instead.

    Args:
        name: the key the markdown refers to. value: any object; numbers are best pre-formatted as strings.
        display: also show the value in the cell's output.

    Returns nothing, so a cell that ends with a ``glue`` call shows no stray ``Out:`` value.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        print(f"{name} = {value}")
    else:
        myst_glue(name, value, display=display)
