"""The book's Sphinx extensions (_ext/) on their own, without a build or a browser: the Korean search splitter,
the MathML renderer, the web-font subset and the icon CSS. tests/book/test_rendered_site.py checks the built book.
"""

from __future__ import annotations

import sys

import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "_ext"))

import korean_search  # noqa: E402
import offline_math  # noqa: E402
import webfonts  # noqa: E402


@pytest.mark.parametrize(
    ("text", "query"),
    [("토큰 벡터를 평균합니다", "벡터"), ("훅은 항상 제거됩니다", "훅"), ("은닉 상태의 층별 벡터", "은닉 상태"),
     ("[CLS]벡터와 pooler_output", "벡터"), ("마스크가 0인 토큰", "마스크")],
)
def test_every_query_term_is_an_index_term_of_a_text_that_contains_the_query(text, query):
    index = set(korean_search.split_text(text))
    terms = korean_search.split_text(query, query=True)
    assert terms and set(terms) <= index, (terms, sorted(index))


def test_hangul_is_split_into_syllables_and_bigrams_and_english_stays_whole():
    assert korean_search.split_text("BERT의 벡터를") == ["BERT", "의", "벡", "터", "를", "벡터", "터를"]
    assert korean_search.split_text("벡터를 훅", query=True) == ["벡터", "터를", "훅"]
    language = korean_search.SearchKorean({})
    assert language.stem("poolers") == "pooler"  # English: Porter stemmer, as Sphinx's English search
    assert language.stem("벡터") == "벡터"


def test_a_query_term_absent_from_a_text_is_not_an_index_term():
    """Bigrams keep syllable order: '터벡' is not in '벡터', so the search cannot match it there."""
    assert not set(korean_search.split_text("터벡", query=True)) <= set(korean_search.split_text("벡터"))


def test_the_js_splitter_has_the_same_hangul_range_as_python():
    assert "\\uac00-\\ud7a3" in korean_search.JS_SPLITTER and korean_search.HANGUL == "\uac00-\ud7a3"


def test_math_becomes_mathml_and_bad_tex_is_a_warning_not_raw_tex(caplog):
    from docutils import nodes

    mathml = offline_math.to_mathml(r"\tanh(W h_{\texttt{[CLS]}} + b)", "inline", nodes.math())
    assert mathml.startswith("<math") and "tanh" in mathml and "CLS" in mathml and "\\" not in mathml
    for bad in (r"x^{", r"\notacommand{x}"):  # a parse error; a command latex2mathml would pass through as text
        with caplog.at_level("WARNING"):
            out = offline_math.to_mathml(bad, "inline", nodes.math())
        assert out.startswith("<code>"), out
        assert "cannot convert math" in caplog.text


def test_unicode_range_merges_consecutive_code_points():
    assert webfonts.unicode_range([0x41, 0x42, 0x43, 0xAC00, 0xAC02]) == "U+41-43, U+AC00, U+AC02"


def test_font_subset_covers_exactly_the_characters_asked_for(tmp_path):
    from fontTools.ttLib import TTFont

    target = tmp_path / "subset.woff2"
    covered = webfonts.subset_font(webfonts.font_source() / "NanumGothic.ttf", target, set("벡터 훅A"))
    assert set(map(chr, covered)) == set("벡터 훅A")
    font = TTFont(target)
    assert font.flavor == "woff2"
    assert set(font.getBestCmap()) == set(covered)
    assert target.stat().st_size < 20_000
