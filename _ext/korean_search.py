"""Korean search for the book's one Sphinx search index (``html_search_language: ko`` in ``_config.yml``).

Sphinx has no Korean search language: a Korean word is indexed whole with its particle ("벡터를", "훅은"), so
searching "벡터" or "훅" misses most pages, and the search page matches parts of words only for terms longer
than two characters. Like Sphinx's Japanese and Chinese splitters (``sphinx/search/ja.py``, ``zh.py``), this
language splits text itself, without a dictionary or morphological analyser:

* a run of Hangul syllables is indexed as its single syllables and its syllable bigrams
  ("벡터를" -> 벡, 터, 를, 벡터, 터를);
* everything else is split and stemmed as Sphinx's English search does today (Porter stemmer, English stop words).

The query is split the same way in the browser (``JS_SPLITTER`` replaces searchtools.js's ``splitQuery``):
a Hangul run of one syllable is searched as that syllable, a longer run as its bigrams. Sphinx requires every
query term on a page, so "벡터" finds exactly the pages whose text has "벡터" anywhere, particles or not.
"""

from __future__ import annotations

import re

from sphinx.search.en import SearchEnglish

HANGUL = "\uac00-\ud7a3"  # precomposed syllables 가..힣
_WORD = re.compile(r"\w+")
_PARTS = re.compile(f"([{HANGUL}]+)")
_RUN = re.compile(f"[{HANGUL}]+")


def hangul_terms(run: str, *, query: bool = False) -> list[str]:
    """Index terms of one run of Hangul syllables: its syllables and bigrams (a query: bigrams, or the syllable)."""
    bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
    if query:
        return bigrams or [run]
    return [*run, *bigrams]


def split_text(text: str, *, query: bool = False) -> list[str]:
    """Words of ``text``: non-Hangul words whole (stemmed later), Hangul runs as ``hangul_terms``."""
    terms: list[str] = []
    for word in _WORD.findall(text):
        for part in _PARTS.split(word):
            if not part:
                continue
            terms.extend(hangul_terms(part, query=query) if _RUN.fullmatch(part) else [part])
    return terms


class SearchKorean(SearchEnglish):
    """English search (Porter stemmer, stop words) plus Hangul syllables and bigrams."""

    lang = "ko"
    language_name = "Korean and English"

    def split(self, input: str) -> list[str]:  # noqa: A002 - Sphinx's signature
        return split_text(input)

    def stem(self, word: str) -> str:
        return word if _RUN.search(word) else super().stem(word)


# The browser's side of split_text(query=True). Same word pattern as searchtools.js's default splitQuery.
JS_SPLITTER = r"""
var splitQuery = (query) => {
  const terms = [];
  query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu).filter((word) => word).forEach((word) => {
    word.split(/([\uac00-\ud7a3]+)/).filter((part) => part).forEach((part) => {
      if (!/^[\uac00-\ud7a3]+$/.test(part)) { terms.push(part); return; }
      if (part.length === 1) { terms.push(part); return; }
      for (let i = 0; i + 1 < part.length; i++) terms.push(part.slice(i, i + 2));
    });
  });
  return terms;
};
"""
SearchKorean.js_splitter_code = JS_SPLITTER


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
