"""Checks for chapter 3 (pooling)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

import bertkit

from ._core import exercise, expect, require
from ._core import self_check as _self_check

Q3_A = ["The dog bit the man.", "She gave him a book."]
Q3_B = ["The man bit the dog.", "He gave her a book."]


@exercise(3, 1, hint_en="bertkit.pool(h, attention_mask, 'mean_sqrt_len') is the masked mean times sqrt(number of "
          "real tokens): same direction, other length.",
          hint_ko="bertkit.pool(h, attention_mask, 'mean_sqrt_len')은 마스크 평균에 sqrt(실제 토큰 수)를 곱한 "
          "것입니다. 방향은 같고 길이만 다릅니다.",
          points=1, answers={"msl_vectors": "tensor"}, text="q1_text")
def q1(msl_vectors: Any, h: Any, attention_mask: Any) -> None:
    require(msl_vectors, "msl_vectors")
    m = attention_mask.unsqueeze(-1).to(h.dtype)
    n = m.sum(dim=1)
    expected = (h * m).sum(dim=1) / n * n.sqrt()       # by hand, not through bertkit.pool
    expect(torch.as_tensor(msl_vectors).shape == expected.shape,
           f"msl_vectors has shape {tuple(torch.as_tensor(msl_vectors).shape)}; expected (batch, hidden) = "
           f"{tuple(expected.shape)}.", f"`msl_vectors` 값의 모양이 {tuple(torch.as_tensor(msl_vectors).shape)}입니다. "
           f"(batch, hidden) = {tuple(expected.shape)}여야 합니다.")
    expect(torch.allclose(msl_vectors, expected, atol=1e-4),
           "msl_vectors is not mean_sqrt_len of h: pool the chapter's h with its attention_mask.",
           "`msl_vectors` 값이 h의 mean_sqrt_len이 아닙니다. 장의 h와 attention_mask로 풀링하세요.")


@exercise(3, 2, hint_en="(h * mask).amax(dim=1) puts 0 in the [PAD] rows; compare it with bertkit.pool(h, "
          "attention_mask, 'max') row by row: differing = [i for i in range(len(texts)) if ...].",
          hint_ko="(h * mask).amax(dim=1) 식은 [PAD] 행에 0을 넣습니다. bertkit.pool(h, attention_mask, 'max')와 "
          "행마다 비교하세요: differing = [i for i in range(len(texts)) if ...].",
          points=2, answers={"naive_max": "tensor", "differing": "ints"}, text="q2_text")
def q2(naive_max: Any, differing: Any, h: Any, attention_mask: Any) -> None:
    require(naive_max, "naive_max")
    require(differing, "differing")
    mask = attention_mask.unsqueeze(-1).to(h.dtype)
    expect(torch.as_tensor(naive_max).shape == (h.shape[0], h.shape[-1]) and torch.equal(naive_max, (h * mask).amax(dim=1)),
           "naive_max should be the colleague's (h * mask).amax(dim=1).",
           "`naive_max` 값은 동료의 식 (h * mask).amax(dim=1)이어야 합니다.")
    right = h.masked_fill(mask == 0, float("-inf")).amax(dim=1)
    expected = [i for i in range(h.shape[0]) if not torch.equal(naive_max[i], right[i])]
    expect(sorted(int(i) for i in differing) == expected,
           f"differing = {sorted(differing)} is not the list of texts whose two max vectors differ: compare "
           "naive_max with bertkit.pool(h, attention_mask, 'max') row by row.",
           f"differing = {sorted(differing)} 값은 두 최댓값 풀링 벡터가 다른 문장의 목록이 아닙니다. naive_max와 "
           "bertkit.pool(h, attention_mask, 'max')를 행마다 비교하세요.")


@exercise(3, 3, hint_en="swap_cos = {name: F.cosine_similarity(a[name], b[name], dim=-1) for name in VECTORS} with "
          "a = sentence_vectors(Q3_A) and b = sentence_vectors(Q3_B).",
          hint_ko="a = sentence_vectors(첫 문장들), b = sentence_vectors(바꾼 문장들)로 dict를 만드세요: swap_cos = "
          "{name: F.cosine_similarity(a[name], b[name], dim=-1) for name in VECTORS}",
          points=1, answers={"swap_cos": "dict"}, text="q3_text")
def q3(swap_cos: Any, VECTORS: Any, model: Any, tokenizer: Any) -> None:
    require(swap_cos, "swap_cos")
    expect(isinstance(swap_cos, dict) and set(swap_cos) == set(VECTORS),
           f"swap_cos should have one entry per vector in VECTORS: {list(VECTORS)}.",
           f"`swap_cos` 값에는 VECTORS의 벡터마다 항목이 하나씩 있어야 합니다: {list(VECTORS)}.")
    enc_a, out_a = bertkit.run(tokenizer, model, Q3_A)
    enc_b, out_b = bertkit.run(tokenizer, model, Q3_B)
    want = F.cosine_similarity(bertkit.pool(out_a.last_hidden_state, enc_a["attention_mask"], "mean"),
                               bertkit.pool(out_b.last_hidden_state, enc_b["attention_mask"], "mean"), dim=-1)
    for name, value in swap_cos.items():
        expect(torch.as_tensor(value).shape == (len(Q3_A),),
               f"swap_cos[{name!r}] should hold one cosine per pair ({len(Q3_A)} values).",
               f"`swap_cos[{name!r}]` 값에는 쌍마다 코사인이 하나씩({len(Q3_A)}개) 있어야 합니다.")
    if "mean" in swap_cos:
        expect(torch.allclose(torch.as_tensor(swap_cos["mean"]), want, atol=1e-4),
               "swap_cos['mean'] is not the cosine of the mean-pooled vectors of the swapped pairs (in order).",
               "`swap_cos['mean']` 값이 순서를 바꾼 쌍의 평균 풀링 벡터 코사인과 다릅니다(순서대로).")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 3)
