"""The theme's icons without its 1.5 MB Font Awesome script.

pydata-sphinx-theme puts ``_static/scripts/fontawesome.js`` on every page: all 2,000 Font Awesome icons as SVG
paths plus the code that swaps ``<i class="fa-solid fa-bars">`` for an ``<svg>``. That one file is 1.49 MB,
more than the rest of a page together, for the dozen icons the book shows. The theme has no option to leave it
out (it is written into its ``webpack-macros.html``), so at ``build-finished`` this extension

* reads the icon definitions (width, height, SVG path) out of the built copy of that script,
* collects the icon classes the built pages use (``fa-bars``, ``fab fa-github`` ...) and those the theme's
  scripts add later (``fa-xmark``),
* writes ``_static/icons.css``: each icon drawn as a CSS mask of its own SVG path in ``currentColor``,
* replaces the built ``fontawesome.js`` with a one-line stub that says so,
* cuts the theme's Font Awesome web fonts to the glyphs its own CSS rules use, and drops Font Awesome's class
  list from its stylesheet (both drawn nothing the pages show).

Font Awesome Free icons are CC BY 4.0; the paths are the theme's copy, unchanged.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

SCRIPT = "scripts/fontawesome.js"
CSS = "icons.css"
PACKS = {"fas": "fas", "fa-solid": "fas", "far": "far", "fa-regular": "far", "fab": "fab", "fa-brands": "fab"}
_ENTRY = re.compile(
    r'(?:"([\w-]+)"|(\w+)):\[(\d+),(\d+),\[([^\]]*)\],"(\w+)",("(?:[^"\\]|\\.)*"|\[[^\]]*\])\]'
)
_PACK_START = re.compile(r"var (\w+)=\{(?=(?:\"[\w-]+\"|\w+):\[\d+,\d+,\[)")
_CLASSES = re.compile(r'class="([^"]*\bfa-[^"]*)"')
_JS_ICON = re.compile(r"(?<![\w-])(fa-[a-z0-9]+(?:-[a-z0-9]+)*)")
# fa-* classes that are modifiers, not icons
MODIFIERS = {"fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-sm", "fa-xs", "fa-2x", "fa-3x", "fa-fw", "fa-spin"}


def icon_definitions(script: str) -> dict[str, dict[str, tuple[int, int, str]]]:
    """``{pack: {name: (width, height, path)}}`` from the theme's minified fontawesome.js (aliases included)."""
    packs: dict[str, dict[str, tuple[int, int, str]]] = {}
    for start in _PACK_START.finditer(script):
        end = script.find("};", start.end())
        pack = re.search(r'\(function\(\)\{\w+\("(\w+)",' + re.escape(start.group(1)) + r"\)", script[end:end + 400])
        if not pack:
            continue
        icons = packs.setdefault(pack.group(1), {})
        for entry in _ENTRY.finditer(script, start.end(), end + 1):
            path = entry.group(7)
            if path.startswith("["):  # duotone: [secondary, primary]; Free has none, take the first
                path = path.split('"')[1]
            definition = (int(entry.group(3)), int(entry.group(4)), path.strip('"'))
            icons[entry.group(1) or entry.group(2)] = definition
            for alias in re.findall(r'"([\w-]+)"', entry.group(5)):
                icons.setdefault(alias, definition)
    return packs


def used_icons(outdir: Path) -> set[tuple[str, str]]:
    """``(pack, name)`` for every icon class in the built pages and the theme's own scripts."""
    used: set[tuple[str, str]] = set()
    for page in outdir.rglob("*.html"):
        for classes in _CLASSES.findall(page.read_text(encoding="utf-8", errors="replace")):
            names = classes.split()
            pack = next((PACKS[c] for c in names if c in PACKS), "fas")
            used |= {(pack, c[3:]) for c in names if c.startswith("fa-") and c not in MODIFIERS and c not in PACKS}
    for script in (outdir / "_static").rglob("*.js"):
        if script.name == Path(SCRIPT).name or "mathjax" in script.parts:
            continue
        text = script.read_text(encoding="utf-8", errors="replace")
        used |= {("fas", c[3:]) for c in _JS_ICON.findall(text) if c not in MODIFIERS and c not in PACKS}
    return used


def icon_css(packs: dict[str, dict[str, tuple[int, int, str]]], used: set[tuple[str, str]]) -> str:
    """CSS drawing each used icon as a mask of its SVG path in ``currentColor``, 1em high like Font Awesome's."""
    prefixes = {"fas": ("fa-solid", "fas"), "far": ("fa-regular", "far"), "fab": ("fa-brands", "fab")}
    selectors, rules = [], []
    for pack, name in sorted(used):
        definition = packs.get(pack, {}).get(name) or packs.get("fas", {}).get(name)
        if definition is None:
            continue  # a modifier class we don't know (fa-rotate-90 ...): nothing to draw
        width, height, path = definition
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"><path d="{path}"/></svg>'
        url = "data:image/svg+xml," + urllib.parse.quote(svg, safe=" /=:,.-")
        selector = ", ".join(f".{prefix}.fa-{name}" for prefix in prefixes[pack])
        selectors.append(selector)
        rules.append(f"{selector} {{ width: {width / height:.4f}em; --fa-svg: url('{url}'); }}")
    shared = (
        "{ display: inline-block; height: 1em; vertical-align: -0.125em; background-color: currentColor;"
        " -webkit-mask: var(--fa-svg) center / contain no-repeat; mask: var(--fa-svg) center / contain no-repeat; }"
    )
    hide_glyph = ",\n".join(f"{sel.strip()}::before" for selector in selectors for sel in selector.split(","))
    header = "/* Written by _ext/icons.py: the Font Awesome Free icons (CC BY 4.0) this book shows, as CSS masks. */"
    # :where() has no specificity: the theme's own rules (display: none of the inactive theme-switch icons) win
    return "\n".join([header, ":where(" + ",\n".join(selectors) + ") " + shared, *rules,
                      hide_glyph + " { content: none; }  /* the theme's font glyph: the mask draws the icon */",
                      ".fa-lg { font-size: 1.25em; vertical-align: -0.2em; }",
                      # Font Awesome's script swapped this <i> for an <svg> without the fa-solid class, so the
                      # theme's absolute placement of it never applied: keep it in the flow, as that svg was
                      ".bd-search i.fa-solid.fa-magnifying-glass { position: static; }"]) + "\n"


_STUB = "// Replaced by _ext/icons.py: the theme's icons are drawn by _static/icons.css (the original was 1.5 MB).\n"


def subset_webfonts(static: Path, codepoints: set[int]) -> None:
    """Cut the theme's Font Awesome web fonts (used by its CSS for admonition and link icons) to ``codepoints``.

    pydata-sphinx-theme.css loads ``fa-solid-900.woff2``, ``fa-regular-400.woff2`` and ``fa-brands-400.woff2``
    (300 kB) for the few glyphs its own rules put in ``content:``; fontTools keeps exactly those.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    for font_path in (static / "vendor" / "fontawesome").rglob("*.woff2"):
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        font = TTFont(font_path)
        keep = sorted(cp for cp in codepoints if cp in font.getBestCmap())
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        font.flavor = "woff2"
        font.save(font_path)


def css_codepoints(static: Path) -> set[int]:
    """Font Awesome code points (``"\\f05a"`` or the character) the built stylesheets use outside Font Awesome's own class list.

    pydata-sphinx-theme.css carries the whole list (``.fa-bars:before{content:"\\f0c9"}``, 1,800 rules); those
    icons are drawn by ``icons.css`` here. Its other rules (admonition titles, link and theme icons) keep theirs.
    """
    found: set[int] = set()
    for css in static.rglob("*.css"):
        for selectors, body in re.findall(r"([^{}]*)\{([^{}]*)\}", css.read_text(encoding="utf-8", errors="replace")):
            codes = [int(e, 16) for e in re.findall(r"\\([ef][0-9a-f]{3})\b", body)]
            codes += [ord(c) for c in re.findall("[\ue000-\uf8ff]", body)]  # written as the character itself
            if codes and not all(re.fullmatch(r"\s*\.fa-[\w-]+::?before\s*", s) for s in selectors.split(",")):
                found.update(codes)
    return found


_FA_CLASS_RULE = re.compile(r'(?:\.fa-[\w-]+::?before,?)+\{content:"[^"]*"\}')


def strip_class_list(static: Path) -> None:
    """Drop Font Awesome's 1,800 ``.fa-name:before{content:...}`` rules (86 kB) from the theme's stylesheets.

    The icons the pages show are drawn by ``icons.css``; with the fonts cut to the theme's own glyphs those
    rules could draw nothing anyway.
    """
    for css in (static / "styles").glob("*.css"):
        text = css.read_text(encoding="utf-8")
        lean = _FA_CLASS_RULE.sub("", text)
        if lean != text:
            css.write_text(lean, encoding="utf-8")


def _write_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir, "_static")
    script = static / SCRIPT
    if script.exists() and script.stat().st_size > 100_000:  # the theme's script (an earlier build left the stub)
        packs = icon_definitions(script.read_text(encoding="utf-8"))
        if not packs.get("fas"):
            raise RuntimeError(f"No Font Awesome icons in {script}: the theme's script changed, see _ext/icons.py.")
        (static / CSS).write_text(icon_css(packs, used_icons(Path(app.outdir))), encoding="utf-8")
        script.write_text(_STUB, encoding="utf-8")
        Path(str(script) + ".map").unlink(missing_ok=True)
    # the theme's stylesheet and fonts may have been copied afresh even when the script was not: always
    subset_webfonts(static, css_codepoints(static))
    strip_class_list(static)


def setup(app):
    app.add_css_file(CSS)
    app.connect("build-finished", _write_icons, priority=400)  # before webfonts (500) reads the pages
    return {"parallel_read_safe": True, "parallel_write_safe": True}
