"""Checks for chapter 5 (hooks and plots)."""

from __future__ import annotations

from typing import Any

import torch

import bertkit

from ._core import exercise, expect, require
from ._core import self_check as _self_check

INTERMEDIATE = "encoder.layer.0.intermediate"
LAYER_NORM = "encoder.layer.0.output.LayerNorm"


@exercise(5, 1, hint_en="Capture both paths in one bertkit.capture(model, *paths) and print "
          "captured[path][0].shape; compare each with out.hidden_states[1].",
          hint_ko="bertkit.capture(model, *paths) 하나로 두 경로를 잡고 captured[path][0].shape를 출력하세요. "
          "각각을 out.hidden_states[1]과 비교합니다.",
          points=2, answers={"intermediate_shape": "shape", "equals_hidden": "str"})
def q1(intermediate_shape: Any, equals_hidden: Any, model: Any) -> None:
    require(intermediate_shape, "intermediate_shape")
    require(equals_hidden, "equals_hidden")
    shape = tuple(intermediate_shape)
    expect(len(shape) == 3 and shape[-1] == model.config.intermediate_size,
           f"intermediate_shape = {shape} is not the shape of the feed-forward activations: print the captured "
           "tensor's shape.", f"intermediate_shape = {shape} 값은 피드포워드 활성값의 모양이 아닙니다. 캡처한 "
           "텐서의 모양을 출력해 보세요.")
    expect(equals_hidden == LAYER_NORM,
           f"equals_hidden = {equals_hidden!r}: which captured path's output equals hidden_states[1]?",
           f"equals_hidden = {equals_hidden!r} 값이 틀렸습니다. 어느 경로의 출력이 hidden_states[1]과 같을까요?")


@exercise(5, 2, hint_en="Keep each batch's attention_mask in a list while capturing, then "
          "torch.cat([bertkit.pool(t, m, 'mean') for t, m in zip(captured[path], masks)]).",
          hint_ko="캡처하는 동안 배치마다 attention_mask를 리스트에 모으고, "
          "torch.cat([bertkit.pool(t, m, 'mean') for t, m in zip(captured[path], masks)])로 합치세요.",
          points=1, answers={"mean_vectors": "tensor"}, text="q2_text")
def q2(mean_vectors: Any, loop_texts: Any, model: Any, tokenizer: Any) -> None:
    require(mean_vectors, "mean_vectors")
    enc, out = bertkit.run(tokenizer, model, list(loop_texts))
    expected = bertkit.pool(out.hidden_states[-1], enc["attention_mask"], "mean")
    got = torch.as_tensor(mean_vectors)
    expect(got.shape == expected.shape,
           f"mean_vectors has shape {tuple(got.shape)}; expected one row per text of loop_texts, each of the "
           "hidden size.", f"`mean_vectors` 값의 모양이 {tuple(got.shape)}입니다. loop_texts의 문장마다 은닉 크기의 "
           "행이 하나씩 있어야 합니다.")
    expect(torch.allclose(got, expected, atol=1e-4),
           "mean_vectors are not the mean-pooled last-layer vectors: pool each batch with its own mask.",
           "`mean_vectors` 값이 마지막 층의 평균 풀링 벡터가 아닙니다. 배치마다 자기 마스크로 풀링하세요.")


@exercise(5, 3, hint_en="cls0 = out_all.hidden_states[0][:, 0]; every row is the same vector, so the silhouette "
          "score of cls0 with labels is 0.",
          hint_ko="cls0 = out_all.hidden_states[0][:, 0]입니다. 모든 행이 같은 벡터이므로 labels에 대한 "
          "실루엣 점수는 0입니다.",
          points=1, answers={"cls0": "tensor", "cls0_silhouette": "number"}, text="q3_text")
def q3(cls0: Any, cls0_silhouette: Any, out_all: Any) -> None:
    require(cls0, "cls0")
    require(cls0_silhouette, "cls0_silhouette")
    expected = out_all.hidden_states[0][:, 0]
    expect(torch.as_tensor(cls0).shape == expected.shape and torch.allclose(cls0, expected),
           "cls0 should be out_all.hidden_states[0][:, 0]: the [CLS] row of h0 for every text.",
           "`cls0` 값은 out_all.hidden_states[0][:, 0], 즉 모든 문장의 h0 [CLS] 행이어야 합니다.")
    expect(abs(float(cls0_silhouette)) < 1e-6,
           f"cls0_silhouette = {float(cls0_silhouette):.3f} is not the silhouette score of cls0 with labels: "
           "compare the rows of cls0 with each other first.", f"cls0_silhouette = {float(cls0_silhouette):.3f} 값은 "
           "cls0 값과 labels의 실루엣 점수가 아닙니다. 먼저 cls0의 행끼리 비교해 보세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 5)
