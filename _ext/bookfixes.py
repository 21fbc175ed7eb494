"""Small fixes to the HTML that Jupyter Book 1.x produces on Sphinx 7: clean consoles.

(The Hangul web fonts are in ``webfonts.py``, MathJax in ``offline_math.py``, Korean search in
``korean_search.py``.)

sphinx-thebe registers its configuration script through both Sphinx's registry and the HTML builder, so
every page declared ``const THEBE_JS_URL`` twice and the browser reported a SyntaxError. We don't patch the
installed package; we drop exact duplicate ``<script>`` entries from each page's context instead.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None from one registration and "" from the other
        key = (getattr(script, "filename", script) or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
