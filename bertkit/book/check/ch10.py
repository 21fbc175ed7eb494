"""Checks for chapter 10 (a corpus you can search)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ._core import exercise, expect, require, wrong
from ._core import self_check as _self_check


@exercise(10, 1, hint_en="Wrap bertkit.load_vectors(..., expect={'layers': [LAST]}) in try/except "
          "bertkit.VectorsMismatchError as err and keep err in `mismatch`.",
          hint_ko="bertkit.load_vectors(..., expect={'layers': [LAST]})를 try/except bertkit.VectorsMismatchError "
          "as err로 감싸고 err를 `mismatch`에 담으세요.",
          points=1, answers={"mismatch": "exception"}, text="q1_text")
def q1(mismatch: Any) -> None:
    import bertkit

    require(mismatch, "mismatch")
    expect(isinstance(mismatch, bertkit.VectorsMismatchError),
           f"`mismatch` is {type(mismatch).__name__}: keep the exception load_vectors raises.",
           f"`mismatch` 값이 {type(mismatch).__name__}입니다. load_vectors가 일으킨 예외를 담으세요.")
    expect("layers" in str(mismatch), "That mismatch is not about `layers`: save layer 0 and expect [LAST].",
           "이 불일치는 `layers` 때문이 아닙니다. 0층을 저장하고 [LAST]를 기대하세요.")


@exercise(10, 2, hint_en="raw = queries @ corpus.T on corpus_layers[:, LAST] as they are (no l2_normalize); "
          "changed_share = share of queries whose top-K ids differ from top.indices.",
          hint_ko="corpus_layers[:, LAST]를 그대로(l2_normalize 없이) 써서 raw = queries @ corpus.T를 구하고, "
          "top-K id가 top.indices와 다른 질의의 비율을 changed_share에 담으세요.",
          points=2, answers={"changed_share": "number"}, text="q2_text")
def q2(changed_share: Any, top: Any, query_layers: Any, corpus_layers: Any, LAST: Any, K: Any) -> None:
    require(changed_share, "changed_share")
    raw = torch.from_numpy(np.asarray(query_layers[:, LAST])) @ torch.from_numpy(np.asarray(corpus_layers[:, LAST])).T
    expected = (torch.topk(raw, K).indices != top.indices).any(dim=1).float().mean().item()
    expect(abs(float(changed_share) - expected) < 1e-6,
           f"changed_share = {float(changed_share):.3f} is not the share of queries whose top-K neighbours change "
           "with unnormalized dot products (compare with top.indices).",
           f"changed_share = {float(changed_share):.3f} 값은 L2 정규화 없이 내적으로 찾을 때 top-K 이웃이 바뀌는 "
           "질의의 비율이 아닙니다(top.indices와 비교하세요).")


@exercise(10, 3, hint_en="KMeans(n_clusters=4, n_init=10, random_state=0).fit(C)",
          hint_ko="군집을 네 개로 나누세요: KMeans(n_clusters=4, n_init=10, random_state=0).fit(C)",
          points=1, answers={"km4": "estimator"}, text="q3_text")
def q3(km4: Any, C: Any) -> None:
    require(km4, "km4")
    centers = getattr(km4, "cluster_centers_", None)
    if centers is None:
        raise wrong("km4 is not fitted: call .fit(C).", "`km4` 모델이 학습되지 않았습니다. .fit(C)를 호출하세요.")
    expect(centers.shape == (4, np.asarray(C).shape[1]) and len(km4.labels_) == len(C),
           f"km4 has {centers.shape[0]} clusters over {len(km4.labels_)} vectors; fit 4 clusters on C.",
           f"`km4` 모델은 벡터 {len(km4.labels_)}개에 군집이 {centers.shape[0]}개입니다. C에 군집 4개를 학습하세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 10)
