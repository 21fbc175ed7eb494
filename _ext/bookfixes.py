"""Small fixes to the HTML that Jupyter Book 1.x produces on Sphinx 7: clean consoles.

(The Hangul web fonts are in ``webfonts.py``, math as MathML in ``offline_math.py``, Korean search in
``korean_search.py``.)

sphinx-thebe registers its configuration script through both Sphinx's registry and the HTML builder, so
every page declared ``const THEBE_JS_URL`` twice and the browser reported a SyntaxError. We don't patch the
installed package; we drop exact duplicate ``<script>`` entries from each page's context instead.
"""

from __future__ import annotations

import re
from pathlib import Path


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None from one registration and "" from the other
        key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


_SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>'
)


def _drop_search_index_off_search_page(app, exception) -> None:
    """Load the search index (190 kB) on the search page only.

    pydata-sphinx-theme's layout puts searchtools.js, language_data.js and searchindex.js on every page for its
    search-as-you-type box, which this book leaves off (``search_as_you_type`` is False by default); the search
    button and dialog only send the query to search.html. The template hard-codes the three tags, so they are
    taken out of the written pages.
    """
    if exception is not None or app.builder.format != "html":
        return
    if app.builder.theme_options.get("search_as_you_type") in (True, "True", "true"):
        return
    for page in Path(app.outdir).rglob("*.html"):
        if page.name == "search.html" and page.parent == Path(app.outdir):
            continue
        text = page.read_text(encoding="utf-8")
        lean = _SEARCH_SCRIPTS.sub("", text)
        if lean != text:
            page.write_text(lean, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _drop_search_index_off_search_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
