"""Chapter code fits the page: no visible code block of either edition scrolls sideways at 1280 px.

Opens every chapter page of the built book in headless Chromium at the window size tests/book/_browser.py sets
(1280 px wide) and measures each code block a reader sees (the code cells' input, and code blocks in the prose;
not the cells' printed output, and not what is folded away): its content must not be wider than its box. The
width it has to fit comes from the theme and _static/code-width.css; the chapters are kept to it by
tools/format_chapters.py (book/ruff.toml). Needs a built book and Chromium (tests/book/_browser.py).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from _browser import BUILD, browser, settle, site, unavailable  # noqa: F401 - fixtures

CHAPTER = re.compile(r"^book/(ko|en)/\d\d_[^/]+\.html$")
PAGES = sorted(
    p.relative_to(BUILD).as_posix()
    for p in BUILD.glob("book/*/*.html")
    if CHAPTER.match(p.relative_to(BUILD).as_posix())
)

# For each code block a reader sees: whether its content is wider than its box, and how many characters of
# code its box shows (from the width of its own font's characters), with its longest line.
MEASURE = r"""
const blocks = Array.from(document.querySelectorAll('article div.cell_input pre, article div.highlight pre'))
  .filter(pre => !pre.closest('.cell_output') && pre.getClientRects().length > 0);
return blocks.map(pre => {
  const style = getComputedStyle(pre);
  const probe = document.createElement('span'); probe.textContent = '0'.repeat(100); pre.appendChild(probe);
  const glyph = probe.getBoundingClientRect().width / 100; probe.remove();
  const inner = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const lines = pre.textContent.split('\n');
  const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
  return {scrolls: pre.scrollWidth > pre.clientWidth + 1, columns: Math.floor(inner / glyph), longest: longest};
});
"""


def test_both_editions_chapters_are_built():
    if not (BUILD / "index.html").exists():
        unavailable(f"No built book in {BUILD}: run `make book` first.")
    editions = {page.split("/")[1] for page in PAGES}
    assert editions == {"ko", "en"}, f"chapter pages of both editions expected in {BUILD}, found {sorted(editions)}"


@pytest.mark.parametrize("page", PAGES)
def test_no_visible_code_block_scrolls_sideways(site, browser, page):
    browser.get(urljoin(site, page))
    settle(browser)
    width = browser.execute_script("return window.innerWidth")
    assert width == 1280, f"the window is {width} px wide, not 1280"
    blocks = browser.execute_script(MEASURE)
    assert blocks, f"{page}: no visible code block found (has the page's markup changed?)"
    wide = [b for b in blocks if b["scrolls"]]
    assert not wide, (
        f"{page}: {len(wide)} of {len(blocks)} visible code blocks scroll sideways at 1280 px; the column shows "
        f"{min(b['columns'] for b in wide)} characters. Run tools/format_chapters.py and shorten what it lists. "
        "Longest lines:\n" + "\n".join(f"  {b['longest'].strip()[:120]}" for b in wide[:5])
    )
