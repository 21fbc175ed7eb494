"""The text rewrites of tools/editions.py: MyST prose to CommonMark, absolute links, the pinned install, and the
book's build code (glue() calls, asserts) left out of the code readers see. Pure functions: no files are read."""

from __future__ import annotations

import ast
import posixpath
import re

LABEL_LINE = re.compile(r"^\((?:ko|en)-[A-Za-z0-9_-]+\)=[ \t]*\n?", re.MULTILINE)
GLUE = re.compile(r"\{glue(?::[a-z]*)?\}`([^`]+)`")
REF = re.compile(r"\{(?:ref|numref)\}`([^`<]*?)\s*(?:<([^`>]+)>)?`")
LABEL_LINK = re.compile(r"\]\(#?((?:ko|en)-[A-Za-z0-9_-]+)\)")
MATH_ROLE = re.compile(r"\{math\}`([^`]+)`")
OTHER_ROLE = re.compile(r"\{[a-z][a-z:-]*\}`([^`<]*?)\s*(?:<[^`>]+>)?`")
MD_LINK = re.compile(r"(\]\(|(?:href|src)=\")([^)\s\"]+)")
REPO_PATH = re.compile(r"(?<!\[)`((?:bertkit|tests|benchmarks|tools|_ext)/[\w./-]+)`(?!\])")
INSTALL = re.compile(r'"bertkit\[book\] @ git\+([^"@]+)"')
DIRECTIVE = re.compile(r"(?ms)^([ \t]*)(:{3,}|`{3,})\{([a-z-]+)\}[ \t]*([^\n]*)\n(.*?)^\1\2[ \t]*$")

MISSING = {"en": "(printed by the code above)", "ko": "(위 코드가 출력합니다)"}


def pin_install(code: str, version: str) -> str:
    """The Colab set-up cell's ``bertkit[book] @ git+URL`` pinned to the tag ``v{version}`` of that repository."""
    return INSTALL.sub(lambda m: f'"bertkit[book] @ git+{m.group(1)}@v{version}"', code)


def absolute_links(text: str, page: str, url: str, repo: str, tag: str) -> str:
    """Relative links of a page (``book/en``) -> the rendered book's pages; repository paths -> the tagged files."""

    def absolute(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"[a-z][a-z+.-]*:|#|/", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        path = posixpath.normpath(posixpath.join(page, path))
        stem, suffix = posixpath.splitext(path)
        path = f"{stem}.html" if suffix in (".md", ".ipynb") else path
        return f"{m.group(1)}{url}{path}{'#' + anchor if anchor else ''}"

    text = MD_LINK.sub(absolute, text)
    return REPO_PATH.sub(lambda m: f"[`{m.group(1)}`]({repo}/blob/{tag}/{m.group(1)})", text)


def _build_only(node: ast.stmt) -> bool:
    """A statement only the book's build needs: ``glue(...)``, ``assert``, or an ``if``/``for`` holding nothing else."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, (ast.If, ast.For)):
        return all(_build_only(n) for n in [*node.body, *node.orelse])
    call = node.value if isinstance(node, ast.Expr) else None
    func = getattr(call, "func", None)
    return isinstance(call, ast.Call) and "glue" in (getattr(func, "attr", None), getattr(func, "id", None))


def without_build_code(code: str) -> str:
    """The code without its top-level glue() calls and asserts: they feed and guard the book's prose, whose values
    the generated notebooks show (marked †); a cell's other statements and comments are kept."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.split("\n")
    drop: set[int] = set()
    for node in tree.body:
        if _build_only(node) and node.end_lineno is not None and node.end_col_offset is not None:
            span = range(node.lineno - 1, node.end_lineno)
            alone = not lines[span[0]][: node.col_offset].strip() and not lines[span[-1]][node.end_col_offset:].strip(" ;").split("#")[0]
            if alone:
                drop.update(span)
    kept = [ln for i, ln in enumerate(lines) if i not in drop]
    return "\n".join(kept).strip("\n") if drop else code


def to_markdown(text: str, edition: str, glue: dict[str, str], refs: dict[str, tuple[str, str, str]],
                url: str) -> str:
    """MyST prose -> CommonMark with HTML that Colab and nbconvert render (math kept as ``$...$``)."""
    text = LABEL_LINE.sub("", text)

    def glue_value(m: re.Match) -> str:
        name = m.group(1)
        return f"{glue[name]}<sup>†</sup>" if name in glue else f"`{name}` {MISSING[edition]}"

    def link(label: str) -> str | None:
        page, anchor, _ = refs.get(label.strip(), (None, "", ""))
        return None if page is None else f"{url}{page}.html{'#' + anchor if anchor else ''}"

    def ref(m: re.Match) -> str:
        shown, target = (m.group(1), m.group(2)) if m.group(2) else ("", m.group(1))
        href = link(target)
        return f"[{shown or refs[target.strip()][2]}]({href})" if href else shown or target

    def directive(m: re.Match) -> str:
        indent, _, name, argument, body = m.groups()
        lines = [ln for ln in body.split("\n") if not re.match(r"^[ \t]*:[a-z-]+:", ln)]
        body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln for ln in lines).strip("\n")
        body = DIRECTIVE.sub(directive, body)
        if name == "math":
            return f"{indent}$$\n{body}\n$$"
        options = re.findall(r"^[ \t]*:class:[ \t]*(.*)$", m.group(5), re.MULTILINE)
        title = argument.strip() or name.capitalize()
        if name == "admonition" and any("dropdown" in o for o in options) or name == "dropdown":
            return f"{indent}<details><summary>{title}</summary>\n\n{body}\n\n</details>"
        quoted = "\n".join(f"> {ln}" if ln else ">" for ln in body.split("\n"))
        return f"{indent}> **{title}**\n>\n{quoted}"

    text = DIRECTIVE.sub(directive, text)
    text = GLUE.sub(glue_value, text)
    text = REF.sub(ref, text)
    text = LABEL_LINK.sub(lambda m: f"]({link(m.group(1))})" if link(m.group(1)) else m.group(0), text)
    text = MATH_ROLE.sub(lambda m: f"${m.group(1)}$", text)
    text = OTHER_ROLE.sub(lambda m: m.group(1), text)
    return text
