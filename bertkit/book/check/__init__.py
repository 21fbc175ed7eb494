"""Exercise checks for the chapters: ``check.ch1.q1(...)`` tests your own answer, ``.hint()`` helps.

Usage in a chapter (after ``from bertkit.book import check``)::

    check.language("ko")          # messages in Korean ("en" is the default)
    check.ch1.q1(fixed, pad_counts, tokenizer)   # shows ✓, or ✗ with what is wrong; never raises
    check.ch1.q1.hint()
    check.ch1.self_check(globals())              # every exercise of the chapter, from your variables

With ``BERTKIT_CHECK_STRICT=1`` in the environment a failing check raises :class:`CheckFailed` (``make test`` and
``make book`` set it, so a wrong solution in the book fails). One module per chapter (``ch1`` ... ``chN``); each
check's parameter names are the chapter's variable names, and each ``@exercise`` declares its points, the kinds
of its answers and the name of its answer in words (``text``), which the grader (:mod:`bertkit.book.grade`) uses.
"""

from __future__ import annotations

import importlib
import pkgutil

from ._core import STRICT_ENV, CheckFailed, Exercise, Result, exercises, language, strict

__all__ = ["STRICT_ENV", "CheckFailed", "Exercise", "Result", "chapters", "exercises", "language", "strict"]


def chapters() -> dict[int, object]:
    """Every chapter module of this package, by chapter number (discovered, not listed)."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("ch") and info.name[2:].isdigit():
            found[int(info.name[2:])] = importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(found.items()))


def __getattr__(name: str):  # check.ch1 without importing every chapter (and its dependencies) up front
    if name.startswith("ch") and name[2:].isdigit():
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(name)
