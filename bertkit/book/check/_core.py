"""What every exercise check shares: the language of its messages, results, strict mode, hints, points.

A check is a function that takes the student's own answer (and the objects the chapter built, such as the
tokenizer and the model) and raises :class:`Wrong` with a message in both languages when the answer is not
right yet. :func:`exercise` wraps it into an :class:`Exercise`. Calling the exercise shows ``✓`` or ``✗`` with
the reason and returns; it never raises unless strict mode is on (the environment variable
``BERTKIT_CHECK_STRICT=1``, set by ``make test`` and ``make book``), where a failing answer raises
:class:`CheckFailed`. :meth:`Exercise.evaluate` returns the :class:`Result` without showing it (the self-check
and the grader use it). ``.hint()`` prints the hint.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._kinds import KINDS, describe, fits
from ._show import as_text, show

_LANGUAGES = ("ko", "en")
_language = os.environ.get("BERTKIT_BOOK_LANG", "en") if os.environ.get("BERTKIT_BOOK_LANG") in _LANGUAGES else "en"
STRICT_ENV = "BERTKIT_CHECK_STRICT"


def language(lang: str | None = None) -> str:
    """Set (``"ko"`` or ``"en"``) and return the language of the check messages."""
    global _language
    if lang is not None:
        if lang not in _LANGUAGES:
            raise ValueError(f"language must be one of {_LANGUAGES}, got {lang!r}")
        _language = lang
    return _language


def strict() -> bool:
    """Whether a failing check raises (``BERTKIT_CHECK_STRICT`` set to anything but ``""``, ``0``, ``false``)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _say(en: str, ko: str) -> str:
    return ko if _language == "ko" else en


class Wrong(Exception):
    """Raised inside a check: what is wrong with the answer, in both languages."""

    def __init__(self, en: str, ko: str) -> None:
        super().__init__(en)
        self.text = {"en": en, "ko": ko}


class CheckFailed(AssertionError):
    """Strict mode only: the student's answer did not pass; the message says why and how to get a hint."""


def wrong(en: str, ko: str) -> Wrong:
    return Wrong(en, ko)


def require(value: Any, name: str) -> None:
    """Fail with 'not answered yet' when the answer variable ``name`` is still ``None`` (the blank stub)."""
    if value is None:
        raise Wrong(f"`{name}` is still None: write your answer in the cell above and run it first.",
                    f"`{name}` 값이 아직 None입니다. 위 셀에 답을 쓰고 먼저 실행하세요.")


def expect(condition: bool, en: str, ko: str) -> None:
    """Fail with the message unless ``condition`` holds."""
    if not condition:
        raise Wrong(en, ko)


@dataclass
class Result:
    """One check's outcome: ``passed``, the lines shown (in the current language), what was left blank."""

    title: str
    passed: bool
    lines: list[str]
    blank: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return as_text(self.lines)


class Exercise:
    """One exercise's check: call it with your answer; ``.hint()`` prints a hint.

    ``answers``: the answer parameters and the kind each must be (:data:`._kinds.KINDS`); ``points``: what the
    grader gives when it passes; ``text``: the name of the string variable that holds the answer in words, if the
    exercise asks for one; ``optional``: the exercise trains models (slow), see the grader's policy.
    """

    def __init__(self, func: Callable[..., None], chapter: int, number: int | str, hint: dict[str, str], *,
                 answers: dict[str, str] | None = None, points: int = 1, text: str | None = None,
                 optional: bool = False) -> None:
        functools.update_wrapper(self, func)
        self.func, self.chapter, self.number, self._hint = func, chapter, number, hint
        self.answers = dict(answers or {})
        unknown = set(self.answers.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown answer kinds {sorted(unknown)}; known: {sorted(KINDS)}")
        self.points, self.text, self.optional = points, text, optional
        self.params = list(inspect.signature(func).parameters)

    def title(self) -> str:
        if self.number == "self":
            return _say(f"Chapter {self.chapter} self-check", f"{self.chapter}장 스스로 확인하기")
        return _say(f"Exercise {self.chapter}.{self.number}", f"연습문제 {self.chapter}.{self.number}")

    def name(self) -> str:
        """``q1``, ``q2``, ... or ``self_check``: the name in ``check.chN``."""
        return "self_check" if self.number == "self" else f"q{self.number}"

    def _expected(self) -> str:
        return "; ".join(f"`{p}`: {describe(k, _language)}" for p, k in self.answers.items())

    def _kinds(self, arguments: dict[str, Any]) -> None:
        for name, kind in self.answers.items():
            value = arguments.get(name)
            if value is not None and not fits(value, kind):
                raise Wrong(f"`{name}` is {type(value).__name__}; this exercise expects {describe(kind, 'en')}.",
                            f"`{name}` 값이 {type(value).__name__}입니다. 이 문제가 기대하는 답: "
                            f"{describe(kind, 'ko')}.")

    def evaluate(self, *args: Any, **kwargs: Any) -> Result:
        """Run the check without showing anything or raising: the :class:`Result`."""
        try:
            bound = inspect.signature(self.func).bind(*args, **kwargs)
        except TypeError:
            call = f"check.ch{self.chapter}.{self.name()}({', '.join(self.params)})"
            return self._result(False, _say(f"call it as {call}.", f"{call} 꼴로 호출하세요."))
        blank = [p for p in self.answers if bound.arguments.get(p) is None]
        try:
            self._kinds(bound.arguments)
            self.func(*bound.args, **bound.kwargs)
        except Wrong as err:
            return self._result(False, err.text[_language], blank)
        except Exception as err:  # an answer of an unexpected type or shape: say what the exercise expects
            reason = f"{type(err).__name__}: {err}".splitlines()[0][:200]
            return self._result(False, _say(f"your answer could not be checked ({reason}). Expected: "
                                            f"{self._expected()}.", f"답을 확인할 수 없습니다({reason}). 기대하는 답: "
                                            f"{self._expected()}."), blank)
        return self._result(True, _say("correct.", "맞았습니다."), blank)

    def _result(self, passed: bool, message: str, blank: list[str] | None = None) -> Result:
        lines = [f"{'✓' if passed else '✗'} {self.title()}: {message}"]
        if not passed:
            lines.append(_say(f"For a hint, run check.ch{self.chapter}.{self.name()}.hint()",
                              f"힌트: check.ch{self.chapter}.{self.name()}.hint()를 실행하세요"))
        return Result(self.title(), passed, lines, blank or [])

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Show ✓ or ✗ with the reason; in strict mode a failing answer raises :class:`CheckFailed`."""
        result = self.evaluate(*args, **kwargs)
        if not result.passed and strict():
            raise CheckFailed(as_text(result.lines)) from None
        show(result.passed, result.lines)

    def hint(self) -> None:
        """Print the hint in the current language."""
        print(f"💡 {self.title()}: {self._hint[_language]}")

    def hint_text(self, lang: str) -> str:
        return self._hint[lang]


def exercise(chapter: int, number: int | str, *, hint_en: str, hint_ko: str, answers: dict[str, str] | None = None,
             points: int = 1, text: str | None = None, optional: bool = False
             ) -> Callable[[Callable[..., None]], Exercise]:
    """Decorator: turn a check function into an :class:`Exercise` (see its arguments) with a hint in both languages."""

    def wrap(func: Callable[..., None]) -> Exercise:
        return Exercise(func, chapter, number, {"en": hint_en, "ko": hint_ko}, answers=answers, points=points,
                        text=text, optional=optional)

    return wrap


def exercises(module: Any) -> dict[str, Exercise]:
    """The checks a chapter module defines, by name (``q1``, ``q2``, ..., ``self_check``)."""
    return {name: value for name, value in vars(module).items() if isinstance(value, Exercise)}


def run_exercise(ex: Exercise, namespace: dict) -> Result | None:
    """One exercise's check on a notebook's variables, found by parameter name; None: optional and left blank."""
    if ex.optional and namespace.get(next(iter(ex.answers), ex.params[0])) is None:
        return None
    return ex.evaluate(**{p: namespace.get(p) for p in ex.params})


class SelfCheck(Exercise):
    """A chapter's self-check: every exercise's check on the student's variables, one line each."""

    def __init__(self, module: Any, chapter: int) -> None:
        def self_check(namespace: dict) -> None:
            """Every exercise of the chapter, from ``globals()``."""

        super().__init__(self_check, chapter, "self", {
            "en": "Solve the exercises above first; each one's own check says what is missing.",
            "ko": "위의 연습문제를 먼저 푸세요. 문제마다 있는 확인 셀이 무엇이 빠졌는지 알려 줍니다."})
        self.module = module

    def evaluate(self, *args: Any, **kwargs: Any) -> Result:
        namespace = args[0] if args else kwargs.get("namespace")
        if not isinstance(namespace, dict):
            return self._result(False, _say("pass your notebook's variables: check.chN.self_check(globals())",
                                            "노트북의 변수를 넘기세요: check.chN.self_check(globals())"))
        lines, open_ = [], 0
        for ex in exercises(self.module).values():
            if ex is self:
                continue
            result = run_exercise(ex, namespace)
            if result is None:
                lines.append(f"– {ex.title()}: " + _say("skipped (optional, it trains models)",
                                                        "건너뜀(선택 문제, 모델을 학습합니다)"))
                continue
            open_ += not result.passed
            lines.append(result.lines[0] if not result.passed else f"✓ {ex.title()}")
            if ex.text and not str(namespace.get(ex.text) or "").strip():
                lines.append(f"– {ex.title()}: " + _say(f"write your answer in words in `{ex.text}`.",
                                                        f"말로 쓰는 답을 `{ex.text}` 변수에 쓰세요."))
        head = self._result(open_ == 0, _say("all done." if open_ == 0 else f"{open_} still open.",
                                             "모두 맞았습니다." if open_ == 0 else f"남은 문제 {open_}개."))
        return Result(head.title, head.passed, [head.lines[0], *lines, *head.lines[1:]])


def self_check(module: Any, chapter: int) -> Exercise:
    """A chapter's self-check (:class:`SelfCheck`)."""
    return SelfCheck(module, chapter)
