"""The built book as a whole, in headless Chromium: every page is light and self-contained, and Korean search
finds every Korean page that contains a term.

Pages and expected search results are computed from the built book, so pages added later are covered.
Needs `make book` and Chromium (see tests/book/_browser.py).
"""

from __future__ import annotations

import re
import time
from urllib.parse import urljoin, urlparse

import pytest

from _browser import BUILD, article_text, browser, built_pages, off_host, requests_made, settle, site  # noqa: F401

LIMIT = 1_500_000  # bytes on first load: HTML, scripts, styles, fonts (images apart)
AIM = 1_000_000
REPORT = BUILD.parent / "page-weight.tsv"
COUNTED = {"Document", "Script", "Stylesheet", "Font", "XHR", "Fetch", "Other"}  # everything but Image / Media


def test_every_page_is_light_and_loads_nothing_from_another_host(site, browser):
    rows, heavy, elsewhere = [], [], {}
    for page in built_pages():
        rel = page.relative_to(BUILD).as_posix()
        browser.get_log("performance")
        browser.get(urljoin(site, rel))
        settle(browser)
        requests = requests_made(browser)
        if off_host(requests, site):
            elsewhere[rel] = off_host(requests, site)
        by_type: dict[str, int] = {}
        for r in requests:
            if r["type"] in COUNTED:
                by_type[r["type"]] = by_type.get(r["type"], 0) + r["bytes"]
        total = sum(by_type.values())
        rows.append((rel, total, by_type))
        if total > LIMIT:
            heavy.append((rel, total))
    assert rows, "no built pages found"
    rows.sort(key=lambda row: -row[1])
    lines = [f"{rel}\t{total}\t" + " ".join(f"{k}={v}" for k, v in sorted(t.items())) for rel, total, t in rows]
    REPORT.write_text("page\tbytes\tby type\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nfirst-load weight per page (also in {REPORT}); aim {AIM:,} B, limit {LIMIT:,} B")
    for rel, total, _ in rows:
        print(f"  {total:>10,} B  {rel}{'  (over the aim)' if total > AIM else ''}")
    assert not elsewhere, f"pages that load from another host: {elsewhere}"
    assert not heavy, f"pages heavier than {LIMIT:,} bytes on first load: {heavy}"


# One-syllable words; two-syllable words that mostly carry a particle; longer words; multi-word queries.
KOREAN_QUERIES = ["훅", "층", "벡터", "토큰", "풀러", "마스크", "임베딩", "어텐션", "파인튜닝", "은닉",
                  "은닉 상태", "벡터 풀링", "문장 벡터"]


@pytest.fixture(scope="module")
def korean_pages() -> dict[str, str]:
    pages = {p.relative_to(BUILD).as_posix(): article_text(p) for p in built_pages()
             if p.relative_to(BUILD).parts[:2] == ("book", "ko")}
    assert pages, "no Korean pages in the built book"
    return pages


def _search(browser, site: str, query: str) -> set[str]:
    """Type ``query`` into the search page and return the pages it lists, once the search has finished."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(urljoin(site, "search.html"))
    box = WebDriverWait(browser, 20).until(
        lambda d: next((el for el in d.find_elements(By.CSS_SELECTOR, "input[name='q']") if el.is_displayed()), False),
        "no visible search box on search.html",
    )
    box.clear()
    box.send_keys(query, Keys.ENTER)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = browser.execute_script(
            "const s = document.querySelector('#search-results .search-summary');"
            "return {status: s ? s.innerText : '', links: Array.from(document.querySelectorAll("
            "'#search-results ul.search > li > a')).map(a => a.href)};"
        )
        if "found" in state["status"] or "did not match" in state["status"]:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"search for {query!r} did not finish: {state}")
    return {urlparse(href).path.lstrip("/") for href in state["links"]}


@pytest.mark.parametrize("query", KOREAN_QUERIES)
def test_korean_search_finds_every_page_with_the_term(site, browser, korean_pages, query):
    words = query.split()
    expected = {rel for rel, text in korean_pages.items() if all(w in text for w in words)}
    assert expected, f"no Korean page contains {query!r}: pick another term"
    found = _search(browser, site, query)
    missing = expected - found
    assert not missing, f"search for {query!r} found {len(expected & found)} of {len(expected)} pages; missing {sorted(missing)}"


def test_english_search_still_stems(site, browser):
    """'poolers' finds the pages with 'pooler' (Porter stemmer, as before the Korean splitter)."""
    expected = {p.relative_to(BUILD).as_posix() for p in built_pages()
                if p.relative_to(BUILD).parts[:2] == ("book", "en") and re.search(r"\bpoolers?\b", article_text(p).lower())}
    assert expected
    assert expected <= _search(browser, site, "poolers")
