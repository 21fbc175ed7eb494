"""Small fixes to the HTML that Jupyter Book 1.x produces on Sphinx 7: clean consoles and Hangul everywhere.

The Hangul part: NanumGothic is copied into the output (``_copy_web_fonts``) and preloaded by every page
(``_preload_web_fonts``).

sphinx-thebe registers its configuration script through both Sphinx's registry and the HTML builder, so
every page declared ``const THEBE_JS_URL`` twice and the browser reported a SyntaxError. We don't patch the
installed package; we drop exact duplicate ``<script>`` entries from each page's context instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

WEB_FONTS = ("NanumGothic.ttf", "NanumGothicBold.ttf")


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None from one registration and "" from the other
        key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _preload_web_fonts(app, pagename, templatename, context, doctree) -> None:
    """Ask for the Hangul fonts in every page's ``<head>``, before any text is laid out.

    With only the ``@font-face`` rules, Chrome lays the page out before the fonts arrive; on a machine with no
    Hangul font of its own some of that text (seen in the sidebar: the site title, the "한국어" caption, the
    current chapter) kept its boxes after the fonts had loaded. Preloaded, and with ``font-display: block`` in
    ``_static/korean.css``, the first layout already uses NanumGothic.
    """
    links = "".join(
        f'<link rel="preload" href="{context["pathto"]("_static/fonts/" + name, 1)}" as="font" type="font/ttf" '
        'crossorigin>\n'
        for name in WEB_FONTS
    )
    context["metatags"] = context.get("metatags", "") + links


def _copy_web_fonts(app, exception) -> None:
    """Put NanumGothic into ``_static/fonts`` of the HTML output (``_static/korean.css`` uses it).

    The files come from the installed koreanize-matplotlib (the same font the figures use), so none are
    committed. They carry empty ``TSI*`` tables (hinting sources of Microsoft's VTT tool), which browsers'
    font sanitizer rejects as "zero-length table": the whole font would fail to load and Hangul would show
    as boxes. fontTools (a matplotlib dependency) drops those tables; nothing else changes.
    """
    if exception is not None or app.builder.format != "html":
        return
    from fontTools.ttLib import TTFont

    spec = importlib.util.find_spec("koreanize_matplotlib")
    source = Path(next(iter(spec.submodule_search_locations)), "fonts")
    target = Path(app.outdir, "_static", "fonts")
    target.mkdir(parents=True, exist_ok=True)
    for name in WEB_FONTS:
        font = TTFont(source / name)
        for tag in [t for t in font.keys() if t.startswith("TSI")]:
            del font[tag]
        font.save(target / name)


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _preload_web_fonts)
    app.connect("build-finished", _copy_web_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
