"""The kinds of answer an exercise expects, so that an answer of the wrong type gets a message that names them."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] in ("torch", "numpy") and hasattr(value, "shape")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Number):
        return True
    return _is_tensor(value) and getattr(value, "ndim", 1) == 0


def _is_ints(value: Any) -> bool:
    if _is_tensor(value):
        return str(getattr(value, "dtype", "")).split(".")[-1].startswith(("int", "uint"))
    return isinstance(value, (list, tuple)) and all(isinstance(v, numbers.Integral) or _is_number(v) for v in value)


def _is_strs(value: Any) -> bool:
    return isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value)


# kind -> (test, what the exercise expects in English, in Korean)
KINDS: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "tensor": (_is_tensor, "a tensor", "텐서"),
    "ints": (_is_ints, "a list or tensor of integers", "정수 리스트나 정수 텐서"),
    "number": (_is_number, "a number", "숫자"),
    "bool": (lambda v: isinstance(v, bool) or type(v).__name__ == "bool_", "True or False", "True나 False"),
    "str": (lambda v: isinstance(v, str), "a string", "문자열"),
    "strs": (_is_strs, "a list of strings", "문자열 리스트"),
    "dict": (lambda v: isinstance(v, dict), "a dict", "dict"),
    "inputs": (lambda v: isinstance(v, Mapping), "a dict of tensors, as a tokenizer or bertkit.build_inputs returns",
               "토크나이저나 bertkit.build_inputs가 돌려주는 텐서 dict"),
    "exception": (lambda v: isinstance(v, BaseException), "an exception object (except ... as err: keep err)",
                  "예외 객체(except ... as err로 잡은 err)"),
    "function": (callable, "a function", "함수"),
    "tokenizer": (lambda v: hasattr(v, "tokenize") or hasattr(v, "encode"),
                  "a tokenizer", "토크나이저"),
    "module": (lambda v: hasattr(v, "named_parameters"), "a PyTorch model (torch.nn.Module)", "PyTorch 모델(torch.nn.Module)"),
    "output": (lambda v: hasattr(v, "logits"), "a model output, as model(**enc, labels=...) returns",
               "model(**enc, labels=...)가 돌려주는 모델 출력"),
    "shape": (lambda v: isinstance(v, (tuple, list)) and all(isinstance(d, numbers.Integral) for d in v),
              "a tuple of integers, such as (2, 7)", "(2, 7) 같은 정수 튜플"),
    "sequence": (lambda v: isinstance(v, (list, tuple)), "a list", "리스트"),
    "tensors": (lambda v: isinstance(v, (list, tuple)) and all(_is_tensor(t) for t in v), "a tuple of tensors",
                "텐서 튜플"),
    "word_vectors": (lambda v: hasattr(v, "vectors") and hasattr(v, "spans"),
                     "one text's word vectors, bertkit.word_vectors(...)[0]", "한 문장의 단어 벡터, 즉 "
                     "bertkit.word_vectors(...)[0]"),
    "estimator": (lambda v: hasattr(v, "fit"), "a scikit-learn model", "scikit-learn 모델"),
}


def describe(kind: str, lang: str) -> str:
    """What an answer of this kind is, in ``lang``."""
    _, en, ko = KINDS[kind]
    return ko if lang == "ko" else en


def fits(value: Any, kind: str) -> bool:
    """Whether ``value`` is an answer of ``kind`` (never raises)."""
    try:
        return bool(KINDS[kind][0](value))
    except Exception:  # an odd object whose attributes raise is not of this kind
        return False
