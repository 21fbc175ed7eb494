"""How a check's result reaches the reader: coloured HTML in a notebook, plain text elsewhere."""

from __future__ import annotations

import html
import re
import sys

COLOURS = {True: "#1a7f37", False: "#cf222e"}   # GitHub's green and red: readable on light and dark themes


def _in_notebook() -> bool:
    """Whether this runs in a notebook kernel (Jupyter, Colab), which can display HTML."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _html_line(line: str) -> str:
    escaped = html.escape(line)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def to_html(passed: bool, lines: list[str]) -> str:
    """The result as one coloured block: the first line bold, the rest below it."""
    head, *rest = lines
    body = "".join(f"<div style='margin-left:1.2em'>{_html_line(ln.strip())}</div>" for ln in rest)
    return (f"<div style='color:{COLOURS[passed]};font-family:sans-serif;margin:.3em 0'>"
            f"<b>{_html_line(head)}</b>{body}</div>")


def as_text(lines: list[str]) -> str:
    """The result as plain text: the first line, the rest indented under it."""
    return "\n".join([lines[0], *(f"  {ln}" for ln in lines[1:])])


def show(passed: bool, lines: list[str]) -> None:
    """Display the lines: HTML (with a plain-text copy) in a notebook, printed text elsewhere."""
    text = as_text(lines)
    if _in_notebook():
        from IPython.display import display

        display({"text/html": to_html(passed, lines), "text/plain": text}, raw=True)
    else:
        print(text)
