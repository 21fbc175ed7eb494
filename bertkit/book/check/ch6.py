"""Checks for chapter 6 (fine-tuning)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import exercise, expect, require
from ._core import self_check as _self_check

# klue/bert-base's published config (https://huggingface.co/klue/bert-base): checked without downloading it.
KLUE_LAYERS = 12


@exercise(6, 1, hint_en="Load a new classifier with bertkit.load(head='sequence-classification', num_labels=2), "
          "call frozen.base_model.requires_grad_(False), train, and keep the test accuracy as frozen_accuracy.",
          hint_ko="bertkit.load(head='sequence-classification', num_labels=2)로 새 분류기를 불러 "
          "frozen.base_model.requires_grad_(False)를 호출하고 학습한 뒤 테스트 정확도를 frozen_accuracy에 담으세요.",
          points=2, answers={"frozen": "module", "frozen_accuracy": "number"}, text="q1_text", optional=True)
def q1(frozen: Any, frozen_accuracy: Any, model: Any) -> None:
    require(frozen, "frozen")
    require(frozen_accuracy, "frozen_accuracy")
    expect(frozen is not model, "`frozen` is the chapter's model: load a fresh classifier for the exercise.",
           "`frozen` 값이 장의 model입니다. 연습용 분류기를 새로 불러오세요.")
    prefix = frozen.base_model_prefix + "."
    encoder = [p.requires_grad for n, p in frozen.named_parameters() if n.startswith(prefix)]
    head = [p.requires_grad for n, p in frozen.named_parameters() if not n.startswith(prefix)]
    expect(bool(encoder) and not any(encoder), "Some encoder weights of `frozen` still train: "
           "frozen.base_model.requires_grad_(False).", "`frozen` 모델의 인코더 가중치 일부가 아직 학습됩니다: "
           "frozen.base_model.requires_grad_(False).")
    expect(bool(head) and all(head), "The head of `frozen` must stay trainable.", "`frozen` 모델의 헤드는 학습되어야 합니다.")
    expect(0.0 <= float(frozen_accuracy) <= 1.0, "frozen_accuracy should be a fraction between 0 and 1.",
           "`frozen_accuracy` 값은 0과 1 사이의 비율이어야 합니다.")


@exercise(6, 2, hint_en="pacmap_points = [bertkit.project_2d(v, 'pacmap', seed=SEED) for v in (before_cls[-1], "
          "after_cls[-1])].",
          hint_ko="파인튜닝 전과 후의 마지막 층을 각각 PaCMAP으로 투영하세요: pacmap_points = "
          "[bertkit.project_2d(v, 'pacmap', seed=SEED) for v in (before_cls[-1], after_cls[-1])].",
          points=1, answers={"pacmap_points": "sequence"}, text="q2_text")
def q2(pacmap_points: Any, after_cls: Any) -> None:
    require(pacmap_points, "pacmap_points")
    n = after_cls.shape[1]
    expect(len(pacmap_points) == 2 and all(np.asarray(p).shape == (n, 2) for p in pacmap_points),
           f"pacmap_points should be two (texts, 2) arrays, before and after: ({n}, 2) each.",
           f"`pacmap_points` 값은 전과 후, ({n}, 2) 배열 두 개여야 합니다.")
    expect(not np.allclose(np.asarray(pacmap_points[0]), np.asarray(pacmap_points[1])),
           "The two pictures are the same: project before_cls[-1] and after_cls[-1].",
           "두 그림이 같습니다. before_cls[-1]과 after_cls[-1]을 각각 투영하세요.")


@exercise(6, 3, hint_en="klue/bert-base: bertkit.reads_hangul(tokenizer) and model.config.num_hidden_layers, as "
          "printed in Colab.", hint_ko="klue/bert-base에서 Colab이 출력하는 bertkit.reads_hangul(tokenizer)와 "
          "model.config.num_hidden_layers입니다.",
          points=1, answers={"klue_reads_hangul": "bool", "klue_layers": "number"}, text="q3_text")
def q3(klue_reads_hangul: Any, klue_layers: Any) -> None:
    require(klue_reads_hangul, "klue_reads_hangul")
    require(klue_layers, "klue_layers")
    expect(klue_reads_hangul is True, "klue/bert-base has a Korean vocabulary: does it keep Hangul syllables?",
           "klue/bert-base는 한국어 어휘 집합을 씁니다. 한글 음절을 지킬까요?")
    expect(int(klue_layers) == KLUE_LAYERS, f"klue_layers = {klue_layers}: read model.config.num_hidden_layers.",
           f"klue_layers = {klue_layers} 값이 틀렸습니다. model.config.num_hidden_layers를 읽으세요.")


@exercise(6, 4, hint_en="For epochs in (1, args.epochs): load a fresh regressor (num_labels=1), fine_tune it on "
          "`scored`, and keep read_vectors(fresh, test_set)[2].squeeze(-1).numpy() in fresh_scores[epochs].",
          hint_ko="epochs in (1, args.epochs)마다 새 회귀 모델(num_labels=1)을 불러 `scored`로 fine_tune하고 "
          "read_vectors(fresh, test_set)[2].squeeze(-1).numpy()를 fresh_scores[epochs]에 담으세요.",
          points=2, answers={"fresh_scores": "dict"}, text="q4_text", optional=True)
def q4(fresh_scores: Any, y_test: Any, args: Any) -> None:
    require(fresh_scores, "fresh_scores")
    expect(isinstance(fresh_scores, dict) and set(fresh_scores) == {1, args.epochs},
           f"fresh_scores should have the keys 1 and args.epochs = {args.epochs}.",
           f"`fresh_scores` 값의 키는 1과 args.epochs = {args.epochs}여야 합니다.")
    for epochs, scores in fresh_scores.items():
        expect(np.asarray(scores).shape == (len(y_test),),
               f"fresh_scores[{epochs}] should hold one score per test review ({len(y_test)}).",
               f"fresh_scores[{epochs}]에는 테스트 리뷰마다 점수가 하나씩({len(y_test)}개) 있어야 합니다.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 6)
