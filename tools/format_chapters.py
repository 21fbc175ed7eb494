"""Format the chapters' code to the width the book shows: ``python tools/format_chapters.py [--check] [NOTEBOOK...]``.

The content column shows 88 columns of code at 1280 px (``_static/code-width.css``); ``book/ruff.toml`` sets that
line length. For every chapter notebook (``book/<edition>/NN_*.ipynb``, or the ones named):

1. A trailing comment that pushes its line past the edge moves onto its own line above the code, and a comment
   line still past the edge is wrapped at spaces. Widths are display widths: a Hangul syllable takes two columns,
   as ruff counts it. Code is not touched in this step, so both editions' code stays the same
   (tests/book/test_book_parity.py): without it ruff would break the code around a long comment, differently in each
   edition. Pragmas (``# noqa``, ``# type:``, ``# fmt:``) stay where they are.
2. ``ruff format`` with book/ruff.toml formats every code cell (long calls broken as ruff breaks them); then a
   one-line string that still ends past the edge is cut after a space into implicitly concatenated pieces (the
   same string; never inside an f-string's ``{...}``), a docstring line is wrapped, and ruff formats again.
   Every cell's syntax tree must come out as it went in (docstrings compared by their words), or the run fails.
3. What a person must shorten is listed, per chapter: lines still past the edge (ruff's E501: a string without
   a space to cut at, a URL), and chapters whose two editions' code no longer match.

``--check`` changes nothing and exits 1 when step 1 or 2 would change a chapter or the editions' code differs
(``make lint`` runs it once the chapters are formatted); the lines for a person are listed either way and fail
only with ``--strict``. Step 1 edits the notebook JSON in place (its layout kept); ruff writes the cells it
formats.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "book" / "ruff.toml"
RUFF = Path(sys.executable).with_name("ruff")
sys.path.insert(0, str(ROOT / "tests" / "book"))
from long_lines import move_comments, same_code, split_strings, width, wrap_docstrings  # noqa: E402

from _book import strip_comments  # noqa: E402  (what must be identical in both editions)


def line_length() -> int:
    match = re.search(r"^line-length\s*=\s*(\d+)", CONFIG.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise SystemExit(f"{CONFIG.relative_to(ROOT)} sets no line-length")
    return int(match.group(1))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def rewrite_cells(path: Path, change, limit: int, write: bool) -> int:
    """``change(code, limit)`` on every code cell; returns how many cells it changes (writes them when ``write``)."""
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    changed = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        before = _source(cell)
        after = change(before, limit)
        if after != before:
            changed += 1
            cell["source"] = _lines(after) if isinstance(cell["source"], list) else after
    if changed and write:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(RUFF), *args, "--config", str(CONFIG)], capture_output=True, text=True, cwd=ROOT)


FENCE = re.compile(r"(?ms)^[ \t]*(?:```|~~~)(?!\{)[^\n]*\n(.*?)^[ \t]*(?:```|~~~)")  # not a MyST directive


def long_lines(paths: list[Path]) -> dict[str, list[str]]:
    """Per chapter, ruff's E501 findings: ``cell N: line text`` for every code line still past the edge."""
    done = ruff("check", "--select", "E501", "--output-format", "json", "--no-cache", *map(str, paths))
    found: dict[str, list[str]] = {}
    for item in json.loads(done.stdout or "[]"):
        path = Path(item["filename"])
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        cell = item.get("cell") or 0  # ruff numbers a notebook's cells from 1
        row = item["location"]["row"]
        text = _source(cells[cell - 1]).splitlines()[row - 1] if cell else ""
        found.setdefault(path.relative_to(ROOT).as_posix(), []).append(f"cell {cell}: {text.strip()[:100]}")
    limit = line_length()
    for path in paths:  # code blocks in the prose: not formatted by ruff, shown as code all the same
        for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
            if cell["cell_type"] == "markdown":
                for block in FENCE.findall(_source(cell)):
                    for line in (ln for ln in block.splitlines() if width(ln) > limit):
                        found.setdefault(path.relative_to(ROOT).as_posix(), []).append(
                            f"cell {number} (a code block in the prose): {line.strip()[:100]}"
                        )
    return found


def parity(paths: list[Path]) -> list[str]:
    """Chapters whose two editions' code cells differ once comments are left out."""
    differ = []
    for path in paths:
        if path.parent.name != "ko":
            continue
        other = path.parent.parent / "en" / path.name
        if not other.exists():
            continue
        code = [
            [
                strip_comments(_source(c))
                for c in json.loads(p.read_text(encoding="utf-8"))["cells"]
                if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
            ]
            for p in (path, other)
        ]  # the parameters cell sets the edition's own values
        if code[0] != code[1]:
            differ.append(path.name)
    return differ


def code_cells(path: Path) -> list[str]:
    return [_source(c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def code_changed(path: Path, before: list[str]) -> bool:
    """Whether formatting changed what a cell's code does (its syntax tree; docstrings by their words)."""
    after = code_cells(path)
    return len(after) != len(before) or not all(same_code(a, b) for a, b in zip(before, after))


def chapters() -> list[Path]:
    return sorted(p for edition in ("ko", "en") for p in (ROOT / "book" / edition).glob("[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter of both editions")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything would change")
    parser.add_argument("--strict", action="store_true", help="also fail on lines a person must shorten")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or chapters()
    limit = line_length()
    status = 0

    before = {p: code_cells(p) for p in paths}
    moved = {p: rewrite_cells(p, move_comments, limit, write=not args.check) for p in paths}
    if args.check:
        moved = {p: n for p, n in moved.items() if n}
        for path, n in moved.items():
            print(f"{path.relative_to(ROOT)}: {n} cell(s) with comments past the edge")
        formatted = ruff("format", "--check", "--no-cache", *map(str, paths))
        unformatted = [line for line in formatted.stdout.splitlines() if line.startswith("Would reformat")]
        print(*unformatted, sep="\n") if unformatted else None
        status = 1 if moved or formatted.returncode else 0
    else:
        print(
            f"comments moved or wrapped in {sum(moved.values())} cell(s) of {sum(1 for n in moved.values() if n)} notebook(s)"
        )
        formatted = ruff("format", "--no-cache", *map(str, paths))
        for _ in range(3):  # strings cut where ruff placed them, then formatted again, until nothing is left to cut
            cut = sum(rewrite_cells(p, split_strings, limit, write=True) for p in paths)
            cut += sum(rewrite_cells(p, wrap_docstrings, limit, write=True) for p in paths)
            if not cut:
                break
            print(f"long strings cut into pieces, or docstrings wrapped, in {cut} cell(s)")
            formatted = ruff("format", "--no-cache", *map(str, paths))
        print((formatted.stdout + formatted.stderr).strip())
        changed = [p.relative_to(ROOT).as_posix() for p in paths if code_changed(p, before[p])]
        if formatted.returncode or changed:
            print("The code itself changed (it must not: check `git diff`) in:", *changed, sep="\n  ")
            status = 1

    differ = parity(paths)
    if differ:
        print("The two editions' code differs in (tests/book/test_book_parity.py):", *differ, sep="\n  ")
        status = 1
    found = long_lines(paths)
    total = sum(len(v) for v in found.values())
    print(f"{total} code line(s) past {limit} columns for a person to shorten (long strings, URLs):")
    for name in sorted(found):
        print(f"  {name}: {len(found[name])}")
        for line in found[name]:
            print(f"    {line}")
    if args.strict and total:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
