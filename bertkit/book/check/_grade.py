"""Grade mode: the grader's last cell runs a chapter's checks on the notebook's own variables and writes JSON.

The grader (:mod:`bertkit.book.grade`) appends one cell to each submission it re-executes::

    from bertkit.book.check import _grade; _grade.write(1, globals(), "/tmp/.../result.json")

Nothing is shown and nothing raises; the check modules are reloaded first, so a notebook that replaced a check
function still gets the real one.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

STUDENT_ID = "student_id"   # the student edition's first answer cell: the student's name or id


def _fresh_chapter(chapter: int) -> Any:
    from . import _core, _kinds, _show

    for module in (_kinds, _show, _core):
        importlib.reload(module)
    return importlib.reload(importlib.import_module(f"{__package__}.ch{chapter}"))


def results(chapter: int, namespace: dict, lang: str = "en") -> dict:
    """``{"student_id", "exercises": {name: {...}}}`` for one chapter on ``namespace`` (a notebook's globals)."""
    module = _fresh_chapter(chapter)
    core = importlib.import_module(f"{__package__}._core")
    core.language(lang)
    found = {}
    for name, ex in core.exercises(module).items():
        if ex.number == "self":
            continue
        missing = [p for p in ex.params if p not in namespace]
        result = core.run_exercise(ex, namespace)
        text = namespace.get(ex.text) if ex.text else None
        found[name] = {
            "points": ex.points, "optional": ex.optional, "missing": missing,
            "passed": bool(result), "attempted": result is not None and not result.blank,
            "message": result.lines[0] if result is not None else "",
            "text": text.strip() if isinstance(text, str) else None,
        }
    student = namespace.get(STUDENT_ID)
    return {"chapter": chapter, "student_id": student.strip() if isinstance(student, str) else "",
            "exercises": found}


def write(chapter: int, namespace: dict, path: str, lang: str = "en") -> None:
    """Write :func:`results` to ``path`` as JSON; an error in grading is written there too, never raised."""
    try:
        payload = results(chapter, namespace, lang)
    except Exception as err:  # the grader reports it in the row's notes
        payload = {"chapter": chapter, "error": f"{type(err).__name__}: {err}"}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False)
