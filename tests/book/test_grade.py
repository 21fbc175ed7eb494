"""The grader (bertkit.book.grade) on submissions made here from the book's chapters 7 and 10: the book's solutions
(full marks), blank answers with forged ✓ outputs, wrong values and types, a syntax error with deleted cells,
garbage files and another chapter's notebook, all in a Classroom-style zip; then an endless loop (time-out) and a
kernel crash. Every row is checked. Chapter 7 is among the fastest to execute; the kernels run two at a time.
"""

from __future__ import annotations

import copy
import csv
import zipfile
from pathlib import Path

import nbformat
import pytest

from _book import BOOK
from bertkit.book import check, grade

CH7 = BOOK / "en" / "07_korean_tokenization.ipynb"
CH1 = BOOK / "en" / "01_tokenizer_inputs.ipynb"
CH10 = BOOK / "en" / "10_corpus_search.ipynb"
FULL7 = sum(ex.points for n, ex in check.exercises(check.ch7).items() if n != "self_check")
POINTS7 = {n: ex.points for n, ex in check.exercises(check.ch7).items() if n != "self_check"}


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _solved(path: Path, student: str) -> nbformat.NotebookNode:
    """The book's chapter as a student who solved everything hands it in (the solutions run, then their checks)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f'student_id = "{student}"'))
    return nb


def _blank(path: Path, student: str) -> nbformat.NotebookNode:
    nb = _solved(path, student)
    nb.cells = [c for c in nb.cells if "solution" not in _tags(c)]
    return nb


def _after_solution(nb: nbformat.NotebookNode, k: int, code: str) -> None:
    """Insert ``code`` after the k-th solution code cell (1-based)."""
    indices = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "solution" in _tags(c)]
    nb.cells.insert(indices[k - 1] + 1, nbformat.v4.new_code_cell(code))


def _forged(path: Path) -> nbformat.NotebookNode:
    nb = _blank(path, "forger")
    for cell in nb.cells:
        if "exercise-check" in _tags(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ Exercise 7.1: correct.\n")]
    nb.cells.append(nbformat.v4.new_code_cell('print("✓ Exercise 7.1: correct.\\n✓ Exercise 7.2: correct.")'))
    # and a check replaced by one that passes anything: the grader reloads the checks before it runs them
    nb.cells.append(nbformat.v4.new_code_cell("import bertkit.book.check.ch7 as c7\nc7.q1.func = lambda *a, **k: None"))
    return nb


def _syntax_and_deleted(path: Path) -> nbformat.NotebookNode:
    nb = _solved(path, "s-syntax")
    nb.cells.insert(3, nbformat.v4.new_code_cell("def broken(:\n    pass"))
    q3 = [i for i, c in enumerate(nb.cells) if "ex3_eojeol" in c.source and {"exercise-stub", "solution"} & set(_tags(c))]
    nb.cells = [c for i, c in enumerate(nb.cells) if i not in q3]     # the q3 answer and solution cells deleted
    return nb


def _write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out, encoding="utf-8") as f:
        return {Path(r["file"]).name: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading run over a Classroom-style zip of every case."""
    tmp = tmp_path_factory.mktemp("grade")
    folder = tmp / "hand-in"
    _write(_solved(CH7, "s-solved"), folder / "Ann Solved" / "07_korean_tokenization.ipynb").rename(
        folder / "Ann Solved" / "solved.ipynb")
    _write(_forged(CH7), folder / "forged.ipynb")
    wrong = _solved(CH7, "s-wrong")
    _after_solution(wrong, 1, "ex1_pieces_per_eojeol = 1.0")        # a wrong value
    _after_solution(wrong, 2, 'to_nfc = "NFC"')                     # a wrong type
    _write(wrong, folder / "wrong.ipynb")
    _write(_syntax_and_deleted(CH7), folder / "syntax.ipynb")
    other = _solved(CH1, "s-other")
    _write(other, folder / "other_chapter.ipynb")
    (folder / "notes.txt").write_text("not a notebook")
    (folder / "photo.png").write_bytes(bytes(range(256)))
    (folder / "half.ipynb").write_text('{"cells": [{"cell_type": "code", "sou')
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._solved.ipynb").write_bytes(b"\0\1")
    archive = tmp / "classroom.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder))
    out = tmp / "grades.csv"
    grade.grade([archive], out, timeout=240, progress=False)
    return _rows(out), (tmp / "grades_answers.md").read_text(encoding="utf-8")


def test_the_books_solutions_get_full_marks(graded):
    rows, _ = graded
    row = rows["solved.ipynb"]
    assert row["student_id"] == "s-solved" and row["notes"] == ""
    assert {n: float(row[n]) for n in POINTS7} == POINTS7
    assert float(row["total"]) == float(row["max"]) == FULL7
    assert row["file"].startswith("classroom.zip/") or "classroom.zip" in row["file"]


def test_forged_outputs_replaced_checks_and_blank_answers_earn_nothing(graded):
    rows, _ = graded
    row = rows["forged.ipynb"]
    assert float(row["total"]) == 0 and all(float(row[n]) == 0 for n in POINTS7)
    assert "q1: blank" in row["notes"] and "q3: blank" in row["notes"]


def test_wrong_values_and_types(graded):
    rows, answers = graded
    row = rows["wrong.ipynb"]
    assert (float(row["q1"]), float(row["q2"]), float(row["q3"])) == (0, 0, POINTS7["q3"])
    assert "q1: wrong" in row["notes"] and "q2: wrong" in row["notes"]
    assert "`to_nfc` is str; this exercise expects a function" in answers


def test_syntax_error_and_deleted_cells(graded):
    rows, _ = graded
    row = rows["syntax.ipynb"]
    assert "SyntaxError" in row["notes"] and "q3: missing variable ex3_eojeol" in row["notes"]
    assert (float(row["q1"]), float(row["q2"]), float(row["q3"])) == (POINTS7["q1"], POINTS7["q2"], 0)


def test_garbage_and_other_chapters_get_a_row_and_no_marks(graded):
    rows, _ = graded
    for name in ("notes.txt", "photo.png", "half.ipynb"):
        assert "not a notebook" in rows[name]["notes"] and float(rows[name]["total"]) == 0
    assert "a notebook of chapter 1, not 7" in rows["other_chapter.ipynb"]["notes"]
    assert rows["other_chapter.ipynb"]["q1"] == ""
    assert not any("MACOSX" in name for name in rows)
    assert len(rows) == 8


def test_answers_in_words_are_collected(tmp_path):
    """Chapter 10, the second chapter: full marks, and the answer in words goes to the teacher's file."""
    nb = _solved(CH10, "s-words")
    _after_solution(nb, 1, 'q1_text = """It raises VectorsMismatchError:\nthe layers field differs."""')
    out = tmp_path / "ch10.csv"
    rows = grade.grade([_write(nb, tmp_path / "words.ipynb")], out, timeout=240, progress=False)
    assert rows[0].notes == [] and sum(rows[0].points.values()) == sum(
        ex.points for n, ex in check.exercises(check.ch10).items() if n != "self_check")
    text = (tmp_path / "ch10_answers.md").read_text(encoding="utf-8")
    assert "(s-words)" in text and "**q1 in words:** It raises VectorsMismatchError:\n  the layers field" in text
    assert "**q2 in words:** *(empty)*" in text


def test_endless_loop_and_kernel_crash_do_not_stop_the_grader(tmp_path):
    cases = {"loop.ipynb": "import time\nwhile True:\n    time.sleep(0.05)", "crash.ipynb": "import os\nos._exit(1)"}
    for name, code in cases.items():
        nb = _blank(CH7, name)
        nb.cells = [nb.cells[0], nbformat.v4.new_code_cell(code), *copy.deepcopy(nb.cells[-2:])]
        _write(nb, tmp_path / name)
    out = tmp_path / "g.csv"
    grade.grade([tmp_path], out, timeout=6, chapter=7, progress=False)
    rows = _rows(out)
    assert "time-out after 6 s" in rows["loop.ipynb"]["notes"] and float(rows["loop.ipynb"]["total"]) == 0
    assert "kernel died" in rows["crash.ipynb"]["notes"] and float(rows["crash.ipynb"]["total"]) == 0


def test_command_line(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "odd.ipynb").write_text('{"cells": [{"cell_type": "code"}, 5], "metadata": [], "nbformat": 4}')
    out = tmp_path / "out.csv"
    assert grade.main([str(tmp_path / "a.txt"), str(tmp_path / "odd.ipynb"), "--out", str(out), "--chapter", "7"]) == 0
    assert "2 submissions graded" in capsys.readouterr().out
    rows = _rows(out)
    assert rows["a.txt"]["notes"] == "not a notebook (NotJSONError)" and rows["odd.ipynb"]["notes"]
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path / "a.txt"), "--chapter", "99"])
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path / "missing.ipynb")])
    assert 'bertkit-grade = "bertkit.book.grade:main"' in (BOOK.parent / "pyproject.toml").read_text()
