"""Math written into the pages as MathML at build time: no script, nothing from another host, nothing to wait for.

Sphinx's default renderer loads MathJax from jsDelivr's CDN, so offline the book showed raw ``\\(\\tanh(...)\\)``.
MathJax served from the book itself (the PyPI package sphinx-mathjax-offline) fixes that but costs 750 kB of
scripts and fonts on each page with math, which pushed those pages over the book's 1.5 MB first-load budget
(tests/book/test_rendered_site.py). The book's math is short inline TeX (``$h_{\\texttt{[CLS]}}$``,
``$\\gamma \\sum_l \\operatorname{softmax}(s)_l \\, h_l$``), so it is converted once, at build time, with the
kept converter latex2mathml, and every current browser draws MathML itself (MathML Core: Chrome/Edge 109+,
Firefox, Safari).

Selected in ``_config.yml`` with ``html_math_renderer: mathml``. TeX the converter cannot read is a build warning
naming the page (the book builds with ``-W``), never raw TeX in a page.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")


def to_mathml(latex: str, display: str, node: nodes.Node) -> str:
    """``<math>`` for ``latex`` (``display`` is ``"inline"`` or ``"block"``); a warning and the TeX as code if it fails."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(latex.strip(), display=display)
    except Exception as err:  # latex2mathml raises its own exception types (MissingEndError ...)
        problem = f"{type(err).__name__} {err}".strip()
    else:
        unknown = _UNKNOWN_COMMAND.findall(mathml)  # latex2mathml passes commands it doesn't know through as text
        if not unknown:
            return mathml
        problem = f"unknown command {', '.join(unknown)}"
    logger.warning("cannot convert math %r to MathML (%s): rewrite it with plainer TeX", latex, problem,
                   location=node, type="bookmath")
    return f"<code>{html.escape(latex)}</code>"


def visit_inline(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(to_mathml(node.astext(), "inline", node))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    for part in node.astext().split("\n\n"):  # Sphinx's convention: blank lines separate equations
        if part.strip():
            self.body.append(to_mathml(part, "block", node))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
