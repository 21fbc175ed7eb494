"""The rendered book as readers see it: every chapter page of both editions opened in headless Chromium.

Needs a built book (`make book`, which `make test` runs first) and Debian's `chromium` and `chromium-driver`.
Without them the test skips and says how to install them; under CI (CI=true) it fails instead (tests/book/_browser.py).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from _book import BOOK, ROOT, cells, notebooks, source
from _browser import browser, off_host, requests_made, settle, site  # noqa: F401 - fixtures

SHOTS = ROOT / "_build" / "screenshots"
CHAPTERS = notebooks()
IDS = [str(p.relative_to(BOOK)) for p in CHAPTERS]
SCREENSHOT_PAGES = {"ko/02_all_layers.ipynb", "en/05_hooks_and_plots.ipynb"}


def _expects_figures(path: Path) -> bool:
    return any("plt." in source(c) or "bertkit.plot" in source(c) for c in cells(path) if c["cell_type"] == "code")


# Draws two different Hangul syllables with the paragraph's font: a font without Hangul draws the same
# "tofu" box for both, a real Hangul font draws two different glyphs.
HANGUL_PROBE = """
const p = document.querySelector('article p') || document.body;
const font = getComputedStyle(p).font;
function pixels(ch) {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const ctx = c.getContext('2d'); ctx.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
  ctx.fillStyle = '#000'; ctx.fillText(ch, 4, 48);
  return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
}
const loaded = Array.from(document.fonts).some(f => f.family.replace(/"/g, '') === 'NanumGothic' && f.status === 'loaded');
return {font: getComputedStyle(p).fontFamily, loaded: loaded, distinct: pixels('가') !== pixels('힣'),
        width: (() => { const c = document.createElement('canvas').getContext('2d'); c.font = font; return c.measureText('가').width; })()};
"""

# Text laid out before the web font arrived keeps the fallback's boxes (narrow "tofu"), even once the font has
# loaded: Chrome did this to the sidebar (site title, the "한국어" caption). So for every Hangul text node, the
# width it was laid out with must match what the element's own font measures for that text now.
HANGUL_LAYOUT_PROBE = r"""
const bad = []; let checked = 0;
const ctx = document.createElement('canvas').getContext('2d');
for (const el of document.querySelectorAll('.logo__title, .caption-text, .bd-sidenav a, article h1, article h2, article p')) {
  for (const node of el.childNodes) {
    if (node.nodeType !== Node.TEXT_NODE || !/[\uac00-\ud7a3]/.test(node.data)) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const laid = Array.from(range.getClientRects()).reduce((sum, rect) => sum + rect.width, 0);
    if (laid === 0) continue;  // not displayed (a closed dropdown)
    ctx.font = getComputedStyle(el).font;
    const text = node.data.replace(/\s+/g, ' ');
    const low = ctx.measureText(text.trim()).width, high = ctx.measureText(text).width;  // spaces may collapse
    checked++;
    if (laid < 0.9 * low - 4 || laid > 1.1 * high + 4) bad.push([text.trim().slice(0, 30), Math.round(laid), Math.round(low)]);
  }
}
return {checked: checked, bad: bad};
"""


# Math is MathML written at build time (_ext/offline_math.py). Every math element Sphinx writes (span.math,
# div.math) must hold a <math> that the browser lays out as MathML (computed display "math" or "block math",
# not the "inline" of an unknown element) with a size; the text outside code must show no TeX delimiters.
MATH_PROBE = r"""
const math = Array.from(document.querySelectorAll('article .math'));
const pending = math.filter(el => {
  const m = el.querySelector('math');
  if (!m) return true;
  if (el.getClientRects().length === 0) return false;  // not displayed (a closed dropdown): only needs its <math>
  const box = m.getBoundingClientRect();
  return !getComputedStyle(m).display.includes('math') || box.width === 0 || box.height === 0;
}).length;
const clone = document.querySelector('article').cloneNode(true);
clone.querySelectorAll('pre, code, script, math').forEach(el => el.remove());
const raw = (clone.textContent.match(/\\[(\[]|\$\$|\\(frac|tanh|texttt|sum)\b/g) || []).slice(0, 5);
return {math: math.length, pending: pending, raw: raw};
"""


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_chapter_page(site, browser, chapter):
    from selenium.webdriver.common.by import By

    rel = chapter.relative_to(ROOT)
    edition, name = chapter.parent.name, chapter.stem
    url = urljoin(site, str(rel.with_suffix(".html")))
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get_log("performance")
    browser.get(url)
    # Web fonts load lazily after layout; ask for the Hangul face explicitly (a missing file stays "error").
    browser.execute_async_script(
        "const done = arguments[0];"
        "Promise.all([document.fonts.load('16px NanumGothic', '한글'), document.fonts.load('bold 16px NanumGothic', '한글')])"
        ".catch(() => null)"
        ".then(() => document.fonts.ready).then(() => done(true));"
    )
    assert "Page not found" not in browser.title, f"{url} does not exist"

    # A reader may be offline (a classroom, a train): the page asks no other host for anything, and nothing fails.
    settle(browser)
    elsewhere = off_host(requests_made(browser), site)
    assert not elsewhere, f"{url} loads from another host: {elsewhere}"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"console errors on {url}: {errors}"

    # Math renders: every math element is laid out as MathML, no raw TeX is left
    math = browser.execute_script(MATH_PROBE)
    assert math["pending"] == 0, f"{math['pending']} of {math['math']} math elements not rendered on {url}: {math}"
    assert not math["raw"], f"raw TeX left in the text of {url}: {math['raw']}"

    # The theme's icons are drawn by _static/icons.css (_ext/icons.py): each one shown has a size and its mask
    icons = browser.execute_script(
        "return Array.from(document.querySelectorAll('i[class*=\"fa-\"]')).filter(i => i.getClientRects().length)"
        ".map(i => [i.className, i.getBoundingClientRect().width, getComputedStyle(i).webkitMaskImage || 'none']);"
    )
    blank = [name for name, width, mask in icons if width < 4 or mask == "none"]
    assert icons and not blank, f"icons not drawn on {url}: {blank or 'no icon at all'}"

    images = browser.find_elements(By.CSS_SELECTOR, "article img")
    for img in images:
        ok = browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 10 && arguments[0].naturalHeight > 10;", img)
        assert ok, f"empty or broken figure {img.get_attribute('src')[:80]} on {url}"
    if _expects_figures(chapter):
        assert images, f"{url}: the chapter plots but the page shows no figure"

    layout = browser.execute_script(HANGUL_LAYOUT_PROBE)  # both editions: the sidebar has Korean
    if layout["bad"]:
        # Chromium starved of CPU (CI runs chapters beside this test) can lay the page out before even a preloaded
        # font arrives. A reader's second visit has the font in the cache: a page still wrong then is a real defect.
        browser.refresh()
        browser.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done(true));")
        layout = browser.execute_script(HANGUL_LAYOUT_PROBE)
    assert layout["checked"] and not layout["bad"], f"Hangul laid out with a fallback font on {url}: {layout['bad']}"
    if edition == "ko":
        probe = browser.execute_script(HANGUL_PROBE)
        assert probe["loaded"] and "NanumGothic" in probe["font"], f"Hangul font not in use on {url}: {probe}"
        assert probe["distinct"] and probe["width"] > 5, f"Hangul renders as tofu on {url}: {probe}"

    colab = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href*='colab.research.google.com']")]
    assert colab, f"no Colab button on {url}"
    assert all(h.endswith(f"/blob/main/colab/{edition}/{name}.ipynb") for h in colab), f"Colab link of {url}: {colab}"

    for href in {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "article a[href]")}:
        target, fragment = urldefrag(href)
        if urlparse(target).netloc != urlparse(site).netloc:
            continue
        try:
            urllib.request.urlopen(target, timeout=10).close()
        except urllib.error.HTTPError as err:
            pytest.fail(f"broken internal link {href} on {url}: {err.code}")
        if fragment and target == url:
            assert browser.find_elements(By.ID, fragment), f"anchor #{fragment} missing on {url}"

    if f"{edition}/{chapter.name}" in SCREENSHOT_PAGES:
        SHOTS.mkdir(parents=True, exist_ok=True)
        browser.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => setTimeout(done, 300));")
        browser.save_screenshot(str(SHOTS / f"{edition}_{name}.png"))
