"""Helpers the book tests share: find the chapters, read their cells, strip comments from code."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
EDITIONS = ("ko", "en")
LABEL = re.compile(r"^\((ko|en)-([A-Za-z0-9_-]+)\)=\s*$", re.MULTILINE)


def notebooks(edition: str | None = None) -> list[Path]:
    """Every chapter notebook of one edition (or of the whole book), sorted."""
    base = BOOK / edition if edition else BOOK
    return sorted(p for p in base.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def pages(edition: str) -> list[Path]:
    """Every page (notebook or markdown) of one edition."""
    return sorted([*notebooks(edition), *(BOOK / edition).glob("*.md")])


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def markdown(path: Path) -> str:
    """All markdown of a page (a markdown file, or a notebook's markdown cells)."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")


def strip_comments(code: str) -> str:
    """Code without comments and blank lines: what must be identical in both editions."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
        code = tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        code = "\n".join(line.split("#", 1)[0] for line in code.splitlines())
    return "\n".join(line.rstrip() for line in code.splitlines() if line.strip())
