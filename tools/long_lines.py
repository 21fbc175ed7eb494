"""Lines that fit a width: comments moved and wrapped, long strings cut, docstrings wrapped, all without changing
what the code does (``same_code`` compares syntax trees). Used by tools/format_chapters.py.

Widths are display widths: East Asian wide characters (Hangul syllables) take two columns, as ruff counts them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata

PRAGMA = re.compile(r"#\s*(noqa|type:|fmt:|pragma)", re.IGNORECASE)


def width(text: str) -> int:
    """Display width: East Asian wide and full-width characters (Hangul syllables) take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_comment(indent: str, text: str, limit: int) -> list[str]:
    """``text`` (without ``#``) as comment lines of at most ``limit`` columns, broken at spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and width(f"{indent}# {candidate}") > limit:
            lines.append(f"{indent}# {current}")
            current = word
        else:
            current = candidate
    lines.append(f"{indent}# {current}" if current else f"{indent}#")
    return lines


def move_comments(code: str, limit: int) -> str:
    """``code`` with each trailing comment past ``limit`` above its line and long comment lines wrapped."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code  # not plain Python (a magic, a syntax error): left to ruff, which says so
    inside_string = {row for t in tokens if t.type == tokenize.STRING for row in range(t.start[0] + 1, t.end[0] + 1)}
    comments = {t.start[0]: t for t in tokens if t.type == tokenize.COMMENT}
    out: list[str] = []
    for row, line in enumerate(code.splitlines(), start=1):
        comment = comments.get(row)
        if comment is None or width(line) <= limit or PRAGMA.match(comment.string):
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        text = comment.string.lstrip("#").strip()
        before = line[: comment.start[1]]
        if before.strip() and row not in inside_string:
            out.extend(wrap_comment(indent, text, limit))
            out.append(before.rstrip())
        elif not before.strip():
            out.extend(wrap_comment(indent, text, limit))
        else:
            out.append(line)  # the line starts inside a string: a comment above would land in the string
    return "\n".join(out) + ("\n" if code.endswith("\n") else "")


ONE_LINE_STRING = re.compile(r"^([rRuUfF]{0,2})(['\"])(.*)\2$", re.DOTALL)


def split_literal(prefix: str, quote: str, body: str, room: int) -> list[str]:
    """A string literal's ``body`` as literals of at most ``room`` columns, cut after spaces (never inside an
    f-string's ``{...}``); written one after the other they are the same string (implicit concatenation)."""
    formatted = "f" in prefix.lower()
    cuts, depth, i = [], 0, 0
    while i < len(body):
        if body[i] == "\\" or (formatted and body[i : i + 2] in ("{{", "}}")):
            i += 2
            continue
        if formatted and body[i] in "{}":
            depth += 1 if body[i] == "{" else -1
        elif body[i] == " " and depth == 0:
            cuts.append(i + 1)  # the space ends the left piece
        i += 1
    pieces, start = [], 0
    while width(body[start:]) + len(prefix) + 2 > room:
        later = [c for c in cuts if start < c < len(body)]
        fitting = [c for c in later if width(body[start:c]) + len(prefix) + 2 <= room]
        if not later:
            break
        cut = fitting[-1] if fitting else later[0]
        pieces.append(body[start:cut])
        start = cut
    pieces.append(body[start:])
    plain = prefix.replace("f", "").replace("F", "")
    return [f"{prefix if '{' in p or '}' in p else plain}{quote}{p}{quote}" for p in pieces if p]


def split_strings(code: str, limit: int) -> str:
    """``code`` with each one-line string literal that ends past ``limit`` cut into implicitly concatenated
    pieces (parenthesized outside brackets): the same value, so the same syntax tree. Docstrings, byte strings
    and strings without a space to cut at are left for a person."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    lines = code.splitlines(keepends=True)
    edits, depth = [], 0
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.STRING and tok.start[0] == tok.end[0]:
            line = lines[tok.start[0] - 1].rstrip("\n")
            match = ONE_LINE_STRING.match(tok.string)
            triple = match and match.group(3).startswith(match.group(2) * 2)
            if width(line) <= limit or not match or triple or "b" in match.group(1).lower():
                continue
            indent = len(line) - len(line.lstrip()) + 8  # where ruff puts the pieces, give or take a level
            pieces = split_literal(*match.groups(), room=limit - indent)
            if len(pieces) > 1:
                joined = " ".join(pieces)
                edits.append((tok.start, tok.end[1], joined if depth else f"({joined})"))
    for (row, start), end, text in sorted(edits, reverse=True):
        lines[row - 1] = lines[row - 1][:start] + text + lines[row - 1][end:]
    return "".join(lines)


def _docstrings(tree: ast.AST) -> list[ast.Constant]:
    """The docstrings of ``tree``: the string constants that open a module, class or function body."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.append(first.value)
    return found


def _docstring_rows(tree: ast.AST) -> set[int]:
    """The line numbers (from 1) that docstrings of ``tree`` span."""
    rows: set[int] = set()
    for doc in _docstrings(tree):
        rows.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    return rows


def wrap_docstrings(code: str, limit: int) -> str:
    """``code`` with docstring lines past ``limit`` broken at spaces, continued at the docstring's indentation."""
    try:
        rows = _docstring_rows(ast.parse(code))
    except SyntaxError:
        return code
    out: list[str] = []
    indent = ""
    for row, line in enumerate(code.split("\n"), start=1):
        if row in rows and row - 1 not in rows:
            indent = line[: len(line) - len(line.lstrip())]
        while row in rows and width(line) > limit:
            spaces = [i for i, ch in enumerate(line) if ch == " " and i > len(indent) + 3]
            fitting = [i for i in spaces if width(line[:i]) <= limit]
            if not fitting:
                break
            out.append(line[: fitting[-1]].rstrip())
            line = indent + line[fitting[-1] + 1 :].lstrip()
        out.append(line)
    return "\n".join(out)


def same_code(before: str, after: str) -> bool:
    """Whether two versions of a cell have the same syntax tree, docstrings compared by their words only."""
    try:
        trees = [ast.parse(before), ast.parse(after)]
    except SyntaxError:
        return before == after
    for tree in trees:
        for doc in _docstrings(tree):
            doc.value = " ".join(str(doc.value).split())  # a docstring constant is always a str
    return ast.dump(trees[0]) == ast.dump(trees[1])
