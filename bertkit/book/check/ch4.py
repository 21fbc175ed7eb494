"""Checks for chapter 4 (fine-tuning structures)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ._core import exercise, expect, require
from ._core import self_check as _self_check


@exercise(4, 1, hint_en="bertkit.load(head='sequence-classification', num_labels=3, "
          "problem_type='multi_label_classification'); targets: float 0/1, shape (batch, 3).",
          hint_ko="bertkit.load(head='sequence-classification', num_labels=3, "
          "problem_type='multi_label_classification'); targets 값은 0/1 실수, 모양 (batch, 3)입니다.",
          points=1, answers={"multi": "module", "targets": "tensor", "multi_out": "output"})
def q1(multi: Any, targets: Any, multi_out: Any, enc: Any) -> None:
    require(multi, "multi")
    require(targets, "targets")
    require(multi_out, "multi_out")
    expect(multi.config.problem_type == "multi_label_classification" and multi.config.num_labels == 3,
           f"`multi` has problem_type={multi.config.problem_type!r}, num_labels={multi.config.num_labels}; "
           "load it with problem_type='multi_label_classification' and num_labels=3.",
           f"`multi` 모델의 problem_type={multi.config.problem_type!r}, num_labels={multi.config.num_labels}입니다. "
           "problem_type='multi_label_classification', num_labels=3으로 불러오세요.")
    batch = enc["input_ids"].shape[0]
    expect(targets.dtype.is_floating_point and tuple(targets.shape) == (batch, 3),
           f"targets must be float 0/1 of shape ({batch}, 3), one row per pair in enc.",
           f"`targets` 값은 enc의 쌍마다 한 행인 ({batch}, 3) 모양의 0/1 실수여야 합니다.")
    expect(multi_out.loss is not None and torch.allclose(
               multi_out.loss, F.binary_cross_entropy_with_logits(multi_out.logits, targets), atol=1e-5),
           "multi_out.loss is not BCE-with-logits of its logits: pass labels=targets to multi(**enc, ...).",
           "`multi_out.loss` 값이 로짓의 BCE-with-logits가 아닙니다. multi(**enc, labels=targets)로 넘기세요.")


@exercise(4, 2, hint_en="Walk word_ids: None -> -100; a word's first sub-token keeps its tag; a later one turns "
          "B-x into I-x. all_labels: a (1, seq) tensor; all_out = tagger(**tok_enc, labels=all_labels).",
          hint_ko="word_ids를 따라가세요: None은 -100, 단어의 첫 서브워드 토큰은 태그 그대로, 뒤의 서브워드 토큰은 "
          "B-x를 I-x로. all_labels는 (1, seq) 텐서, all_out = tagger(**tok_enc, labels=all_labels).",
          points=2, answers={"all_labels": "ints", "all_out": "output"})
def q2(all_labels: Any, all_out: Any, word_ids: Any, word_labels: Any, label2id: Any) -> None:
    require(all_labels, "all_labels")
    require(all_out, "all_out")
    expected, previous = [], None
    for word_id in word_ids:
        if word_id is None:
            expected.append(-100)
        else:
            tag = word_labels[word_id]
            if word_id == previous and tag.startswith("B-"):
                tag = "I-" + tag[2:]
            expected.append(label2id[tag])
        previous = word_id
    got = torch.as_tensor(all_labels).reshape(-1).tolist()
    expect(len(got) == len(expected), f"all_labels has {len(got)} positions; tok_enc has {len(expected)}.",
           f"`all_labels` 값의 자리는 {len(got)}개인데 tok_enc의 토큰은 {len(expected)}개입니다.")
    bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
    expect(not bad, f"all_labels is wrong at positions {bad[:5]}: only special tokens get -100, later sub-tokens "
           "get the I- tag.", f"`all_labels` 값이 {bad[:5]} 자리에서 틀렸습니다. 스페셜 토큰만 -100이고, 뒤의 "
           "서브워드 토큰은 I- 태그를 받습니다.")
    labels = torch.tensor(expected)
    keep = labels != -100
    expect(torch.allclose(all_out.loss, F.cross_entropy(all_out.logits[0, keep], labels[keep]), atol=1e-5),
           "all_out.loss is not the cross-entropy over the labelled positions: pass labels=all_labels.",
           "`all_out.loss` 값이 레이블이 있는 자리의 교차 엔트로피가 아닙니다. labels=all_labels로 넘기세요.")


@exercise(4, 3, hint_en="tagger.base_model.requires_grad_(False), then sum p.numel() over the parameters with "
          "requires_grad; unfreeze afterwards with requires_grad_(True).",
          hint_ko="tagger.base_model.requires_grad_(False) 다음 requires_grad인 파라미터의 p.numel()을 더하세요. "
          "끝나면 requires_grad_(True)로 고정을 풉니다.",
          points=1, answers={"trainable": "number"}, text="q3_text")
def q3(trainable: Any, tagger: Any) -> None:
    require(trainable, "trainable")
    prefix = tagger.base_model_prefix
    head = sum(p.numel() for name, p in tagger.named_parameters() if not name.startswith(prefix + "."))
    expect(int(trainable) == head,
           f"trainable = {int(trainable)} is not the number of parameters that still train with the encoder "
           "frozen: sum p.numel() over the parameters with requires_grad.",
           f"trainable = {int(trainable)} 값은 인코더를 고정했을 때 학습되는 파라미터 수가 아닙니다. requires_grad인 "
           "파라미터의 p.numel()을 더하세요.")
    expect(all(p.requires_grad for p in tagger.parameters()),
           "tagger's encoder is still frozen: unfreeze it (requires_grad_(True)) so later cells train it.",
           "tagger의 인코더가 아직 고정되어 있습니다. 뒤의 셀을 위해 requires_grad_(True)로 고정을 푸세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 4)
