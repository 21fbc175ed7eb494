"""Checks for chapter 9 (long documents)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ._core import exercise, expect, require
from ._core import self_check as _self_check


@exercise(9, 1, hint_en="tokenizer(documents[0], truncation=True, max_length=WINDOW, stride=s, "
          "return_overflowing_tokens=True) gives one row per window: n_windows[s] = len(e['input_ids']).",
          hint_ko="tokenizer(documents[0], truncation=True, max_length=WINDOW, stride=s, "
          "return_overflowing_tokens=True)는 윈도마다 한 행을 줍니다: n_windows[s] = len(e['input_ids']).",
          points=1, answers={"n_windows": "dict"}, text="q1_text")
def q1(n_windows: Any, documents: Any, tokenizer: Any, WINDOW: Any) -> None:
    require(n_windows, "n_windows")
    expect(isinstance(n_windows, dict) and set(n_windows) == {0, 64},
           "n_windows should be a dict with the keys 0 and 64 (the strides).",
           "`n_windows` 값은 키가 0과 64(stride)인 dict여야 합니다.")
    for s, got in n_windows.items():
        e = tokenizer(documents[0], truncation=True, max_length=WINDOW, stride=s, return_overflowing_tokens=True)
        expect(int(got) == len(e["input_ids"]), f"n_windows[{s}] = {got} is not the number of windows of "
               f"documents[0] with stride={s}: count the rows return_overflowing_tokens=True gives.",
               f"n_windows[{s}] = {got} 값은 stride={s}일 때 documents[0]의 윈도 수가 아닙니다. "
               "return_overflowing_tokens=True가 주는 행을 세어 보세요.")


@exercise(9, 2, hint_en="plain[d] = window_vectors[mapping == d].mean(dim=0); the document that changes most has "
          "the lowest cosine between plain and doc_vectors.", hint_ko="plain[d] = window_vectors[mapping == d]"
          ".mean(dim=0)입니다. 가장 많이 바뀐 문서는 plain과 doc_vectors의 코사인이 가장 낮은 문서입니다.",
          points=2, answers={"plain": "tensor", "changed_most": "number"}, text="q2_text")
def q2(plain: Any, changed_most: Any, window_vectors: Any, mapping: Any, doc_vectors: Any) -> None:
    require(plain, "plain")
    require(changed_most, "changed_most")
    n_docs = int(mapping.max()) + 1
    expected = torch.stack([window_vectors[mapping == d].mean(dim=0) for d in range(n_docs)])
    got = torch.as_tensor(plain)
    expect(got.shape == expected.shape and torch.allclose(got, expected, atol=1e-5),
           "plain should hold, per document, the unweighted mean of its window vectors.",
           "`plain` 값에는 문서마다 윈도 벡터의 (가중치 없는) 평균이 있어야 합니다.")
    most = int(F.cosine_similarity(expected, doc_vectors).argmin())
    expect(int(changed_most) == most, f"changed_most = {changed_most}; compare plain with doc_vectors by cosine.",
           f"changed_most = {changed_most} 값이 틀렸습니다. plain과 doc_vectors를 코사인으로 비교하세요.")


@exercise(9, 3, hint_en="sentence-transformers cuts every text at st.max_seq_length tokens; do the documents fit?",
          hint_ko="sentence-transformers는 모든 텍스트를 st.max_seq_length 토큰에서 자릅니다. 문서가 그 안에 "
          "들어갈까요?", points=1, answers={"equal_to_st": "bool"}, text="q3_text")
def q3(equal_to_st: Any, st: Any, documents: Any, tokenizer: Any) -> None:
    require(equal_to_st, "equal_to_st")
    longest = max(len(tokenizer(doc)["input_ids"]) for doc in documents)
    expected = st.max_seq_length >= longest
    expect(bool(equal_to_st) == expected,
           f"equal_to_st = {bool(equal_to_st)} is not right: compare st.max_seq_length with the longest document's "
           "number of tokens.", f"equal_to_st = {bool(equal_to_st)} 값이 틀렸습니다. st.max_seq_length와 가장 긴 "
           "문서의 토큰 수를 비교하세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 9)
