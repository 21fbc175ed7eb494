"""Checks for chapter 8 (word vectors)."""

from __future__ import annotations

from typing import Any

import torch

from ._core import exercise, expect, require
from ._core import self_check as _self_check


def _by_hand(sentence: str, spans: list, tokenizer: Any, model: Any, layer: int) -> torch.Tensor:
    """Mean of the pieces inside each character span, in one layer: (words, hidden), without bertkit."""
    enc = tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0].tolist()
    # a lone space marker (SentencePiece's ▁, byte-level BPE's Ġ) carries the next character's offsets but no text
    blank = [not tokenizer.decode([i]).strip() for i in enc["input_ids"][0].tolist()]
    with torch.no_grad():
        states = model(**enc, output_hidden_states=True).hidden_states[layer][0]
    rows = []
    for a, b in spans:
        inside = [i for i, (s, e) in enumerate(offsets) if s < e and a <= s and e <= b and not blank[i]]
        rows.append(states[inside].mean(dim=0))
    return torch.stack(rows)


@exercise(8, 1, hint_en="bertkit.word_vectors(tokenizer, model, sentence, layers=-2, subtoken_pooling='mean')[0]: "
          "layers=-2 is hidden_states[-2].", hint_ko="bertkit.word_vectors(tokenizer, model, sentence, layers=-2, "
          "subtoken_pooling='mean')[0]입니다. layers=-2는 hidden_states[-2]입니다.",
          points=1, answers={"ex1": "word_vectors"})
def q1(ex1: Any, sentence: Any, tokenizer: Any, model: Any) -> None:
    require(ex1, "ex1")
    expect(hasattr(ex1, "vectors") and hasattr(ex1, "spans"),
           "ex1 should be one text's word vectors: bertkit.word_vectors(...)[0].",
           "`ex1` 값은 한 문장의 단어 벡터, 즉 bertkit.word_vectors(...)[0]이어야 합니다.")
    expected = _by_hand(sentence, list(ex1.spans), tokenizer, model, -2)
    got = torch.as_tensor(ex1.vectors)
    expect(got.shape == expected.shape,
           f"ex1.vectors has shape {tuple(got.shape)}; one hidden-size vector per word gives {tuple(expected.shape)}.",
           f"`ex1.vectors` 값의 모양이 {tuple(got.shape)}입니다. 단어마다 은닉 크기 벡터 하나면 {tuple(expected.shape)}입니다.")
    expect(torch.allclose(got, expected, atol=1e-4),
           "ex1's vectors are not the mean of each word's pieces in the second-to-last layer.",
           "`ex1`의 벡터가 끝에서 두 번째 층에서 단어마다 서브워드 토큰의 평균이 아닙니다.")


@exercise(8, 2, hint_en="words.pieces holds the pieces of each word: max(zip(words.words, words.pieces), "
          "key=lambda wp: len(wp[1]))[0].", hint_ko="words.pieces에 단어마다 서브워드 토큰이 들어 있습니다: "
          "max(zip(words.words, words.pieces), key=lambda wp: len(wp[1]))[0].",
          points=1, answers={"ex2_word": "str"})
def q2(ex2_word: Any, words: Any) -> None:
    require(ex2_word, "ex2_word")
    most = max(len(p) for p in words.pieces)
    best = [w for w, p in zip(words.words, words.pieces) if len(p) == most]
    expect(ex2_word in best, f"{ex2_word!r} is not the word with the most pieces: look at words.pieces.",
           f"{ex2_word!r} 값은 서브워드 토큰이 가장 많은 단어가 아닙니다. words.pieces를 보세요.")


@exercise(8, 3, hint_en="'concat' of four layers is 4 x hidden wide; 'first_last' puts two pieces side by side: "
          "(words, 2 * 4 * hidden).", hint_ko="층 네 개를 'concat'하면 너비가 4 x hidden이고, 'first_last'는 서브워드 "
          "토큰 두 개를 나란히 붙입니다: (words, 2 * 4 * hidden).",
          points=1, answers={"ex3_shape": "shape"})
def q3(ex3_shape: Any, words: Any, model: Any) -> None:
    require(ex3_shape, "ex3_shape")
    expected = (len(words), 2 * 4 * model.config.hidden_size)
    expect(tuple(ex3_shape) == expected, f"ex3_shape = {tuple(ex3_shape)}; count the words and the width again.",
           f"ex3_shape = {tuple(ex3_shape)} 값이 틀렸습니다. 단어 수와 너비를 다시 세어 보세요.")


@exercise(8, 4, hint_en="Put the word at the same character position in two sentences and compare its h0 vectors "
          "(layers=0): same token, same position, same segment.", hint_ko="두 문장에서 단어를 같은 위치에 두고 "
          "h0 벡터(layers=0)를 비교하세요. 토큰, 위치, 세그먼트가 모두 같습니다.",
          points=1, answers={"same_position_cos": "number"}, text="q4_text")
def q4(same_position_cos: Any) -> None:
    require(same_position_cos, "same_position_cos")
    expect(abs(float(same_position_cos) - 1) < 1e-4,
           f"same_position_cos = {float(same_position_cos):.4f}: put the word at the same character position in "
           "both sentences and compare its h0 vectors (layers=0).",
           f"same_position_cos = {float(same_position_cos):.4f} 값이 틀렸습니다. 두 문장에서 단어를 같은 자리에 두고 "
           "h0 벡터(layers=0)를 비교하세요.")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 8)
