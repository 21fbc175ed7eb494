"""Checks for chapter 1 (tokenizer inputs)."""

from __future__ import annotations

import unicodedata
from typing import Any

import torch

from ._core import exercise, expect, require
from ._core import self_check as _self_check

Q1_TEXTS = ["I love Paris", "Seoul is a big city", "Hi"]
Q1_LENGTH = 12
Q2_TEXT = "한국어를 좋아합니다"


@exercise(1, 1, hint_en="bertkit.build_inputs(tokenizer, texts, max_length=12) pads every row to 12; a row's "
          "[PAD]s are the positions where input_ids == tokenizer.pad_token_id.",
          hint_ko="bertkit.build_inputs(tokenizer, texts, max_length=12)는 모든 행을 12로 채웁니다. 행마다 "
          "input_ids == tokenizer.pad_token_id인 자리가 [PAD]입니다.",
          points=1, answers={"fixed": "inputs", "pad_counts": "ints"})
def q1(fixed: Any, pad_counts: Any, tokenizer: Any) -> None:
    """``fixed``: the inputs for Q1_TEXTS padded to 12; ``pad_counts``: [PAD]s per row, shape (3,)."""
    require(fixed, "fixed")
    require(pad_counts, "pad_counts")
    expect("input_ids" in fixed, "`fixed` has no input_ids: build it with bertkit.build_inputs(...).",
           "`fixed` 값에 input_ids가 없습니다. bertkit.build_inputs(...)로 만드세요.")
    reference = tokenizer(Q1_TEXTS, padding="max_length", max_length=Q1_LENGTH, truncation=True, return_tensors="pt")
    ids = torch.as_tensor(fixed["input_ids"])
    expect(tuple(ids.shape) == (len(Q1_TEXTS), Q1_LENGTH),
           f"input_ids has shape {tuple(ids.shape)}; expected (3, 12): all three texts, padded to max_length=12.",
           f"input_ids의 모양이 {tuple(ids.shape)}입니다. 세 문장을 max_length=12로 채운 (3, 12)여야 합니다.")
    for key in reference:
        expect(key in fixed and torch.equal(torch.as_tensor(fixed[key]), reference[key]),
               f"`fixed[{key!r}]` differs from tokenizer(..., padding='max_length', max_length=12).",
               f"`fixed[{key!r}]` 값이 tokenizer(..., padding='max_length', max_length=12)의 결과와 다릅니다.")
    expected = (reference["input_ids"] == tokenizer.pad_token_id).sum(dim=1)
    counts = torch.as_tensor(pad_counts).flatten()
    expect(counts.tolist() == expected.tolist(),
           f"pad_counts = {counts.tolist()}; count the [PAD] ids in each row (one number per text).",
           f"pad_counts = {counts.tolist()}. 행마다 [PAD] id의 개수를 세세요(문장마다 숫자 하나).")


def _unk_words(tokenizer: Any) -> list[str]:
    return [w for w in Q2_TEXT.split() if tokenizer.unk_token in tokenizer.tokenize(w)]


def _missing(tokenizer: Any, word: str) -> list[str]:
    vocab = tokenizer.get_vocab()
    return [ch for ch in unicodedata.normalize("NFD", word) if ch not in vocab and "##" + ch not in vocab]


@exercise(1, 2, hint_en="tokenizer.tokenize(word) shows which word is [UNK]; unicodedata.normalize('NFD', word) "
          "splits it into jamo; look each one up in tokenizer.get_vocab(), also as a '##' piece.",
          hint_ko="tokenizer.tokenize(word)로 어느 단어가 [UNK]인지 봅니다. unicodedata.normalize('NFD', word)로 "
          "자모로 분해하고, 각 자모를 tokenizer.get_vocab()에서 찾으세요('##' 형태로도).",
          points=2, answers={"unk_words": "strs", "missing_jamo": "strs"})
def q2(unk_words: Any, missing_jamo: Any, tokenizer: Any) -> None:
    """``unk_words``: the words of Q2_TEXT that become [UNK]; ``missing_jamo``: their letters not in the vocab."""
    require(unk_words, "unk_words")
    require(missing_jamo, "missing_jamo")
    expected = _unk_words(tokenizer)
    expect(sorted(unk_words) == sorted(expected),
           f"unk_words = {list(unk_words)} is not the list of words that become [UNK] with this tokenizer: "
           "tokenize each word and look for tokenizer.unk_token.",
           f"unk_words = {list(unk_words)} 값은 이 토크나이저에서 [UNK]가 되는 단어 목록이 아닙니다. 단어마다 "
           "토큰화해서 tokenizer.unk_token을 찾아보세요.")
    letters = sorted({ch for w in expected for ch in _missing(tokenizer, w)})
    given = sorted({unicodedata.normalize("NFD", str(ch)) for ch in missing_jamo})
    expect(given == letters,
           f"missing_jamo has {len(given)} letter(s); compare each NFD jamo with the vocabulary (and its '##' form).",
           f"`missing_jamo` 값에 글자가 {len(given)}개 있습니다. NFD 자모 하나하나를 어휘 집합('##' 형태 포함)과 "
           "비교하세요.")


@exercise(1, 3, hint_en="Catch the error: try: bertkit.check_tokenizer(extra, model) except "
          "bertkit.TokenizerMismatchError as err: error = err. Leave the chapter's model as it is.",
          hint_ko="오류를 잡으세요: try: bertkit.check_tokenizer(extra, model) except bertkit.TokenizerMismatchError "
          "as err: error = err. 장의 model은 그대로 두세요.",
          points=2, answers={"extra": "tokenizer", "error": "exception"}, text="q3_text")
def q3(error: Any, extra: Any, model: Any) -> None:
    """``error``: what check_tokenizer raised for ``extra`` (a tokenizer with one added token)."""
    import bertkit

    require(extra, "extra")
    expect("[NEW]" in extra.get_vocab(), "`extra` has no [NEW] token: call extra.add_tokens(['[NEW]']).",
           "`extra` 토크나이저에 [NEW] 토큰이 없습니다. extra.add_tokens(['[NEW]'])를 호출하세요.")
    rows = model.get_input_embeddings().num_embeddings
    expect(rows < len(extra),   # before `error`: resizing the model is what the error message advises
           "The chapter's model was resized, so check_tokenizer no longer raises, and later cells use the model with the "
           "original tokenizer. Load the model again and keep the exception instead.",
           "장의 model 크기가 바뀌어서 check_tokenizer가 더 이상 오류를 내지 않고, 뒤의 셀은 이 모델을 원래 토크나이저와 함께 "
           "씁니다. 모델을 다시 불러오고 예외를 담으세요.")
    require(error, "error")
    expect(isinstance(error, bertkit.TokenizerMismatchError),
           f"`error` is {type(error).__name__}; keep the exception check_tokenizer raises (except ... as err).",
           f"`error` 값이 {type(error).__name__}입니다. check_tokenizer가 일으킨 예외를 담으세요(except ... as err).")


self_check = _self_check(__import__(__name__, fromlist=["_"]), 1)
