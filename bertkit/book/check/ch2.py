"""Checks for chapter 2 (all layers)."""

from __future__ import annotations

from typing import Any

import torch

import bertkit

from ._core import exercise, expect, require
from ._core import self_check as _self_check

Q3_TEXTS = ["The bank was steep.", "The bank was closed."]


@exercise(2, 1, hint_en="weights=[0.0] + [1.0 / L] * L gives h0 no weight; bertkit.ScalarMix(L) mixes L tensors, "
          "so feed it stacked[1:].",
          hint_ko="weights=[0.0] + [1.0 / L] * L 값은 h0에 가중치를 주지 않습니다. bertkit.ScalarMix(L)은 텐서 L개를 "
          "섞으므로 stacked[1:]를 넣으세요.",
          points=1, answers={"weighted": "tensor", "mix_encoder": "module"})
def q1(weighted: Any, mix_encoder: Any, stacked: Any, model: Any) -> None:
    require(weighted, "weighted")
    require(mix_encoder, "mix_encoder")
    L = model.config.num_hidden_layers
    expected = bertkit.combine_layers(stacked, layers=slice(-L, None))
    expect(torch.as_tensor(weighted).shape == expected.shape and torch.allclose(weighted, expected, atol=1e-5),
           "`weighted` is not the mean of the last L layers: give h0 weight 0 and each encoder layer 1/L.",
           "`weighted` 값이 마지막 L개 층의 평균이 아닙니다. h0에 0, 인코더 층마다 1/L을 주세요.")
    expect(isinstance(mix_encoder, bertkit.ScalarMix) and len(mix_encoder.scalars) == L,
           f"`mix_encoder` should be a bertkit.ScalarMix with L = {L} weights (h1..hL).",
           f"`mix_encoder` 값은 가중치가 L = {L}개(h1..hL)인 bertkit.ScalarMix여야 합니다.")
    with torch.no_grad():
        mixed = mix_encoder(stacked[1:])
    expect(torch.allclose(mixed, expected, atol=1e-5),
           "mix_encoder(stacked[1:]) differs from the mean: an untrained ScalarMix has uniform weights.",
           "mix_encoder(stacked[1:])의 결과가 평균과 다릅니다. 학습하지 않은 ScalarMix의 가중치는 균등합니다.")


@exercise(2, 2, hint_en="Wrap the unpacking in try/except ValueError as err and keep err; then read the fields by "
          "name from model(**encoding, output_hidden_states=True).",
          hint_ko="언패킹을 try/except ValueError as err로 감싸 err를 남기세요. 그다음 "
          "model(**encoding, output_hidden_states=True)의 필드를 이름으로 읽으세요.",
          points=1, answers={"error": "exception", "all_states": "tensors"}, text="q2_text")
def q2(error: Any, all_states: Any, model: Any) -> None:
    require(error, "error")
    require(all_states, "all_states")
    expect(isinstance(error, ValueError),
           f"`error` is {type(error).__name__}: keep the exception that `a, b, c = model(**encoding)` raises.",
           f"`error` 값이 {type(error).__name__}입니다. `a, b, c = model(**encoding)` 줄이 일으킨 예외를 담으세요.")
    n = model.config.num_hidden_layers + 1
    expect(isinstance(all_states, (tuple, list)) and len(all_states) == n,
           f"`all_states` should be the {n} tensors of out.hidden_states (h0..hL).",
           f"`all_states` 값은 out.hidden_states의 텐서 {n}개(h0..hL)여야 합니다.")


@exercise(2, 3, hint_en="Run both sentences with bertkit.run, stack the layers, average the bank sub-tokens, and "
          "compare at layer 0 and at layer model.config.num_hidden_layers: cosines = {0: ..., L: ...}.",
          hint_ko="두 문장을 bertkit.run으로 돌리고 층을 쌓은 뒤 bank의 서브워드 토큰을 평균하세요. 0층과 "
          "model.config.num_hidden_layers층을 비교합니다: cosines = {0: ..., L: ...}.",
          points=2, answers={"cosines": "dict"}, text="q3_text")
def q3(cosines: Any, model: Any, tokenizer: Any) -> None:
    require(cosines, "cosines")
    L = model.config.num_hidden_layers
    expect(isinstance(cosines, dict) and set(cosines) == {0, L},
           f"`cosines` should be a dict with the keys 0 and {L} (h0 and the last layer).",
           f"`cosines` 값은 키가 0과 {L}(h0와 마지막 층)인 dict여야 합니다.")
    enc, out = bertkit.run(tokenizer, model, Q3_TEXTS)
    word = set(tokenizer.tokenize("bank"))
    rows = []
    for i in range(len(Q3_TEXTS)):
        tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][i])
        rows.append([p for p, t in enumerate(tokens) if t in word])
    stacked = bertkit.stack_layers(out.hidden_states)
    for layer in (0, L):
        v = torch.stack([stacked[layer, i, pos].mean(dim=0) for i, pos in enumerate(rows)])
        want = torch.nn.functional.cosine_similarity(v[0], v[1], dim=0).item()
        expect(abs(float(cosines[layer]) - want) < 1e-3,
               f"cosines[{layer}] = {float(cosines[layer]):.4f} is not the cosine of the two bank vectors at "
               f"h{layer} (each the mean of bank's subword tokens).",
               f"cosines[{layer}] = {float(cosines[layer]):.4f} 값은 h{layer}에서 두 bank 벡터(각각 bank의 서브워드 "
               "토큰 평균)의 코사인이 아닙니다.")
    expect(abs(float(cosines[0]) - 1) < 1e-4, "cosines[0] is close but not exact: compute it in float32 from the "
           "stacked layers.", "cosines[0] 값이 가깝지만 정확하지 않습니다. 쌓은 층에서 float32로 계산하세요.")


@exercise(2, 4, hint_en="ScalarMix(len(X)) and torch.nn.Linear(hidden, 1) go into one Adam optimizer; train ~100 "
          "steps with binary cross-entropy on y (money = 1).",
          hint_ko="ScalarMix(len(X))와 torch.nn.Linear(hidden, 1)을 Adam 옵티마이저 하나에 넣고, y(money = 1)에 "
          "대한 이진 교차 엔트로피로 100스텝쯤 학습하세요.",
          points=2, answers={"layer_mix": "module", "probe": "module"})
def q4(layer_mix: Any, probe: Any, word_vecs: Any, senses: Any) -> None:
    require(layer_mix, "layer_mix")
    require(probe, "probe")
    expect(isinstance(layer_mix, bertkit.ScalarMix) and len(layer_mix.scalars) == len(word_vecs),
           f"`layer_mix` should be a bertkit.ScalarMix over all {len(word_vecs)} layers of word_vecs (h0 included).",
           f"`layer_mix` 값은 word_vecs의 모든 층 {len(word_vecs)}개(h0 포함)를 섞는 bertkit.ScalarMix여야 합니다.")
    weights = torch.softmax(layer_mix.scalars.detach(), dim=0)
    expect(not torch.allclose(weights, torch.full_like(weights, 1 / len(weights)), atol=1e-4),
           "The layer weights are still uniform: train layer_mix and probe together (both in the optimizer).",
           "층 가중치가 아직 균등합니다. layer_mix와 probe를 함께(둘 다 옵티마이저에 넣어) 학습하세요.")
    y = torch.tensor([s == "money" for s in senses])
    with torch.no_grad():
        logits = probe(layer_mix(word_vecs.unsqueeze(2))).reshape(-1)
    accuracy = ((logits > 0) == y).float().mean().item()
    expect(accuracy >= 0.75, f"The trained probe gets {accuracy:.0%} of the training sentences right; train longer.",
           f"학습한 탐침이 학습 문장의 {accuracy:.0%}만 맞힙니다. 더 오래 학습하세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 2)
