"""Hangul web fonts that stay light: NanumGothic subset to the characters the built book uses, as WOFF2.

The whole NanumGothic (regular and bold, TTF) is 8.6 MB; the characters of this book are about a thousand,
and their glyphs weigh some 60 kB per weight as WOFF2. At ``build-finished`` every built HTML page is read,
the characters of its text are collected, and fontTools (``fontTools.subset``, with brotli for WOFF2) writes
``_static/fonts/NanumGothic-{400,700}.woff2`` holding exactly those glyphs, plus
``_static/fonts/nanumgothic.css`` with the ``@font-face`` rules (``font-display: swap``; a ``unicode-range``
listing the subset's characters, so the browser never asks these files for a character they lack). Pages added
later are covered because the subset is computed from the pages of each build.

The files come from the installed koreanize-matplotlib (the same font the figures use), so none are committed.
They carry empty ``TSI*`` tables (hinting sources of Microsoft's VTT tool), which browsers' font sanitizer
rejects as "zero-length table"; the subsetter drops them with the hinting.

Every page preloads both files in its ``<head>``: Chrome lays a page out before lazily requested fonts
arrive, and on a machine with no Hangul font some sidebar text (site title, the "한국어" caption) then kept its
boxes; preloaded, the first layout already has the glyphs.
"""

from __future__ import annotations

import html.parser
import importlib.util
from pathlib import Path

WEIGHTS = {400: "NanumGothic.ttf", 700: "NanumGothicBold.ttf"}
FAMILY = "NanumGothic"
CSS = "fonts/nanumgothic.css"


def woff2_name(weight: int) -> str:
    return f"{FAMILY}-{weight}.woff2"


class _Text(html.parser.HTMLParser):
    """The characters a page shows: its text and the attributes browsers render (alt, title, placeholder)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "placeholder", "aria-label") and value:
                self.chars.update(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chars.update(data)


def book_characters(outdir: Path) -> set[str]:
    """Every character in the text of the built HTML pages under ``outdir`` (whitespace removed)."""
    chars: set[str] = set()
    for page in outdir.rglob("*.html"):
        parser = _Text()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        chars |= parser.chars
    return {c for c in chars if not c.isspace()}


def unicode_range(codepoints: list[int]) -> str:
    """CSS ``unicode-range`` for sorted code points, consecutive ones merged (``U+AC00-AC02, U+B098``)."""
    spans: list[list[int]] = []
    for cp in codepoints:
        if spans and cp == spans[-1][1] + 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in spans)


def font_source() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None:
        raise RuntimeError("koreanize-matplotlib is not installed: `pip install -r requirements.txt`.")
    return Path(next(iter(spec.submodule_search_locations)), "fonts")


def subset_font(source: Path, target: Path, chars: set[str]) -> list[int]:
    """Write ``chars``' glyphs of ``source`` to ``target`` as WOFF2; returns the code points it covers."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # hinting tables are a third of the bytes; browsers on high-DPI screens ignore them
    options.layout_features = ["*"]
    font = TTFont(source)
    cmap = font.getBestCmap()
    codepoints = sorted(ord(c) for c in chars if ord(c) in cmap)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(target)
    return codepoints


def _write_fonts(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target = outdir / "_static" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    chars = book_characters(outdir)
    rules = []
    for weight, name in WEIGHTS.items():
        covered = subset_font(font_source() / name, target / woff2_name(weight), chars)
        rules.append(
            "@font-face {\n"
            f'  font-family: "{FAMILY}";\n'
            f'  src: url("{woff2_name(weight)}") format("woff2");\n'
            f"  font-weight: {weight};\n"
            "  font-display: swap;\n"
            f"  unicode-range: {unicode_range(covered)};\n"
            "}\n"
        )
    header = "/* Written by _ext/webfonts.py at build time: NanumGothic (SIL OFL), the glyphs this book uses. */\n"
    (outdir / "_static" / CSS).write_text(header + "".join(rules), encoding="utf-8")


def _preload(app, pagename, templatename, context, doctree) -> None:
    links = "".join(
        f'<link rel="preload" href="{context["pathto"]("_static/fonts/" + woff2_name(w), 1)}" as="font" '
        'type="font/woff2" crossorigin>\n'
        for w in WEIGHTS
    )
    context["metatags"] = context.get("metatags", "") + links


def setup(app):
    app.add_css_file(CSS)
    app.connect("html-page-context", _preload)
    app.connect("build-finished", _write_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
