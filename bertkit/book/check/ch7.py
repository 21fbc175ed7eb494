"""Checks for chapter 7 (Korean tokenization)."""

from __future__ import annotations

import unicodedata
from typing import Any

from ._core import exercise, expect, require
from ._core import self_check as _self_check


def _pieces(tokenizer: Any, eojeol: str) -> int:
    return len(tokenizer.encode(eojeol, add_special_tokens=False).tokens)


@exercise(7, 1, hint_en="Train a BertWordPieceTokenizer as the chapter does, with vocab_size=500, and average "
          "len(tok.encode(e, add_special_tokens=False).tokens) over eojeols.",
          hint_ko="장에서처럼 BertWordPieceTokenizer를 vocab_size=500으로 학습하고, eojeols 전체에 대해 "
          "len(tok.encode(e, add_special_tokens=False).tokens)의 평균을 구하세요.",
          points=1, answers={"ex1_pieces_per_eojeol": "number"})
def q1(ex1_pieces_per_eojeol: Any, eojeols: Any, cased: Any) -> None:
    require(ex1_pieces_per_eojeol, "ex1_pieces_per_eojeol")
    value = float(ex1_pieces_per_eojeol)
    with_3000 = sum(_pieces(cased, e) for e in eojeols) / len(eojeols)
    expect(value > with_3000,
           f"ex1_pieces_per_eojeol = {value:.2f} is not more than the 3,000-token vocabulary gives: a smaller "
           "vocabulary cannot split 어절 into fewer pieces. Train with vocab_size=500 and average over every 어절.",
           f"ex1_pieces_per_eojeol = {value:.2f} 값이 3,000 토큰 어휘 집합의 값보다 크지 않습니다. 더 작은 어휘 집합이 "
           "어절을 더 적은 서브워드 토큰으로 나눌 수는 없습니다. vocab_size=500으로 학습하고 모든 어절에 대해 "
           "평균을 내세요.")
    longest = max(len(e) for e in eojeols)
    expect(value <= longest, f"ex1_pieces_per_eojeol = {value:.2f} is more pieces than any 어절 has characters.",
           f"ex1_pieces_per_eojeol = {value:.2f} 값은 어떤 어절의 글자 수보다도 많습니다.")


@exercise(7, 2, hint_en="def to_nfc(texts): return [unicodedata.normalize('NFC', t) for t in texts]",
          hint_ko="텍스트마다 unicodedata.normalize('NFC', t)를 적용한 리스트를 돌려주세요: "
          "def to_nfc(texts): return [unicodedata.normalize('NFC', t) for t in texts]",
          points=1, answers={"to_nfc": "function"})
def q2(to_nfc: Any, decomposed: Any, sentence: Any) -> None:
    require(to_nfc, "to_nfc")
    expect(callable(to_nfc), "to_nfc should be a function of a list of texts.",
           "`to_nfc` 값은 텍스트 리스트를 받는 함수여야 합니다.")
    probe = ["한국어", "café", "배를 깎아 먹었다"]
    got = to_nfc([decomposed, *(unicodedata.normalize("NFD", t) for t in probe)])
    expect(isinstance(got, list) and got == [sentence, *probe],
           "to_nfc(texts) should return the list of texts, each normalized to NFC (composed syllables).",
           "to_nfc(texts) 함수는 각 텍스트를 NFC(완성형 음절)로 정규화한 리스트를 돌려줘야 합니다.")


@exercise(7, 3, hint_en="max(eojeols, key=lambda e: len(cased.encode(e, add_special_tokens=False).tokens))",
          hint_ko="서브워드 토큰 수를 key로 삼아 가장 큰 어절을 고르세요: "
          "max(eojeols, key=lambda e: len(cased.encode(e, add_special_tokens=False).tokens))",
          points=1, answers={"ex3_eojeol": "str"})
def q3(ex3_eojeol: Any, eojeols: Any, cased: Any) -> None:
    require(ex3_eojeol, "ex3_eojeol")
    expect(ex3_eojeol in set(eojeols), f"{ex3_eojeol!r} is not an 어절 of the reviews (eojeols).",
           f"{ex3_eojeol!r} 값은 리뷰의 어절(eojeols)이 아닙니다.")
    most = max(_pieces(cased, e) for e in eojeols)
    got = _pieces(cased, ex3_eojeol)
    expect(got == most, f"{ex3_eojeol!r} splits into {got} pieces; some 어절 of the reviews split into more.",
           f"{ex3_eojeol!r} 어절은 서브워드 토큰 {got}개로 나뉩니다. 리뷰에는 더 많이 나뉘는 어절이 있습니다.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 7)
