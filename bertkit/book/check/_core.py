"""What every exercise check shares: the language of its messages, the failure type, hints.

A check is a function that takes the student's own answer (and the objects the chapter built, such as the
tokenizer and the model) and raises :class:`Wrong` with a message in both languages when the answer is not
right yet. :func:`exercise` wraps it into an :class:`Exercise`: calling it prints ``✓`` or raises
:class:`CheckFailed` (an ``AssertionError``) whose message says what is wrong and how to get a hint;
``.hint()`` prints the hint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

_LANGUAGES = ("ko", "en")
_language = os.environ.get("BERTKIT_BOOK_LANG", "en") if os.environ.get("BERTKIT_BOOK_LANG") in _LANGUAGES else "en"


def language(lang: str | None = None) -> str:
    """Set (``"ko"`` or ``"en"``) and return the language of the check messages."""
    global _language
    if lang is not None:
        if lang not in _LANGUAGES:
            raise ValueError(f"language must be one of {_LANGUAGES}, got {lang!r}")
        _language = lang
    return _language


class Wrong(Exception):
    """Raised inside a check: what is wrong with the answer, in both languages."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.text = {"en": en, "ko": ko}


class CheckFailed(AssertionError):
    """The student's answer did not pass; the message says why and how to get a hint."""


def wrong(en: str, ko: str) -> Wrong:
    return Wrong(en, ko)


def require(value: Any, name: str) -> None:
    """Fail with 'not answered yet' when the answer variable ``name`` is still ``None`` (the blank stub)."""
    if value is None:
        raise Wrong(f"`{name}` is still None: write your answer in the cell above and run it first.",
                    f"`{name}`가 아직 None입니다. 위 셀에 답을 쓰고 먼저 실행하세요.")


def expect(condition: bool, en: str, ko: str) -> None:
    """Fail with the message unless ``condition`` holds."""
    if not condition:
        raise Wrong(en, ko)


class Exercise:
    """One exercise's check: call it with your answer; ``.hint()`` prints a hint."""

    def __init__(self, func: Callable[..., None], chapter: int, number: int | str, hint: dict[str, str],
                 optional: bool = False) -> None:
        functools.update_wrapper(self, func)
        self.func, self.chapter, self.number, self._hint = func, chapter, number, hint
        self.optional = optional  # trains models: the self-check skips it while its answer is still blank

    def title(self) -> str:
        if self.number == "self":
            return {"en": f"Chapter {self.chapter} self-check", "ko": f"{self.chapter}장 스스로 확인하기"}[_language]
        return {"en": f"Exercise {self.chapter}.{self.number}", "ko": f"연습문제 {self.chapter}.{self.number}"}[_language]

    def __call__(self, *args: Any, **kwargs: Any) -> bool:
        try:
            self.func(*args, **kwargs)
        except Wrong as err:
            more = {"en": f"For a hint, run check.ch{self.chapter}.{self._name()}.hint()",
                    "ko": f"힌트: check.ch{self.chapter}.{self._name()}.hint()를 실행하세요"}[_language]
            raise CheckFailed(f"✗ {self.title()}: {err.text[_language]}\n  {more}") from None
        print(f"✓ {self.title()}: " + {"en": "correct.", "ko": "맞았습니다."}[_language])
        return True

    def _name(self) -> str:
        return "self_check" if self.number == "self" else f"q{self.number}"

    def hint(self) -> None:
        """Print the hint in the current language."""
        print(f"💡 {self.title()}: {self._hint[_language]}")

    def hint_text(self, lang: str) -> str:
        return self._hint[lang]


def exercise(chapter: int, number: int | str, *, hint_en: str, hint_ko: str,
             optional: bool = False) -> Callable[[Callable[..., None]], Exercise]:
    """Decorator: turn a check function into an :class:`Exercise` with a hint in both languages.

    ``optional``: the exercise trains models (slow); the self-check skips it while its first answer is None.
    """

    def wrap(func: Callable[..., None]) -> Exercise:
        return Exercise(func, chapter, number, {"en": hint_en, "ko": hint_ko}, optional)

    return wrap


def exercises(module: Any) -> dict[str, Exercise]:
    """The checks a chapter module defines, by name (``q1``, ``q2``, ..., ``self_check``)."""
    return {name: value for name, value in vars(module).items() if isinstance(value, Exercise)}


def self_check(module: Any, chapter: int) -> Exercise:
    """A chapter's self-check: runs each exercise check on the student's variables, found by parameter name."""
    import inspect

    def run(namespace: dict) -> None:
        if not isinstance(namespace, dict):
            raise Wrong("pass your notebook's variables: check.chN.self_check(globals())",
                        "노트북의 변수를 넘기세요: check.chN.self_check(globals())")
        failed = []
        for ex in exercises(module).values():
            if ex.number == "self":
                continue
            params = list(inspect.signature(ex.func).parameters)
            if ex.optional and namespace.get(params[0]) is None:
                print(f"  – {ex.title()}: " + {"en": "skipped (optional, it trains models)",
                                               "ko": "건너뜀(선택, 모델을 학습합니다)"}[_language])
                continue
            try:
                ex.func(**{p: namespace.get(p) for p in params})
            except Wrong as err:
                failed.append(f"{ex.title()}: {err.text[_language]}")
            else:
                print(f"  ✓ {ex.title()}")
        if failed:
            raise Wrong("not yet:\n  - " + "\n  - ".join(failed), "아직 남은 문제:\n  - " + "\n  - ".join(failed))

    run.__name__ = "self_check"
    return Exercise(run, chapter, "self", {
        "en": "Solve the exercises above first; each one's own check says what is missing.",
        "ko": "위의 연습문제를 먼저 푸세요. 문제마다 있는 확인 셀이 무엇이 빠졌는지 알려 줍니다."})
