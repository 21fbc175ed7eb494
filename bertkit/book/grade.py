"""Grade chapter notebooks handed in by students: one CSV row per file, and their answers in words.

    python -m bertkit.book.grade SUBMISSION... --out grades.csv [--timeout SECONDS] [--chapter N]
    bertkit-grade submissions.zip --out grades.csv          # the same, as a console script

A submission is a notebook, a folder (searched recursively) or a zip (as Google Classroom or an LMS hands them out;
zips inside it are opened too). Every file gets a row. Each notebook is executed again from the top in a fresh
kernel, offline, with its outputs cleared first (stored outputs are never read), two at a time; a last cell
appended by the grader runs the chapter's checks on the notebook's own variables (``bertkit.book.check._grade``)
and writes the result to a file only the grader knows. The row has the file, the student's id (the student
edition's ``student_id`` cell), the points of each exercise (``q1``, ``q2``, ... as the chapter's checks are named),
``total``, ``max`` and ``notes`` (time-out, errors, missing variables, a file that is not a notebook, a notebook of
another chapter). Answers in words and the reason each exercise failed go to a Markdown file beside the CSV.

Policy for the optional exercises (they train models; ``optional=True`` beside their check): their points are a
bonus, added to ``total`` when the check passes and never counted in ``max``; a blank answer costs nothing.
Training in a submission counts against ``--timeout``, so give more time when students did them.
The student's code runs in the grading kernel, as with nbgrader and otter-grader: this stops printed ✓ marks and
stale outputs, not a student who sets out to subvert the grader.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import csv
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from .check import _core, chapters, exercises

GRADE_SECONDS = 120          # the appended grading cell's own limit
START_SECONDS = 120          # a kernel's start-up limit
CHAPTER_CALL = re.compile(r"check\.ch(\d+)\.")
SKIPPED = ("__MACOSX", ".ipynb_checkpoints")


@dataclass
class Row:
    """One submission's line in the CSV."""

    file: str
    student_id: str = ""
    points: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)      # the Markdown the teacher reads (answers in words)


def collect(paths: list[Path], unpack: Path) -> list[tuple[Path, str]]:
    """Every file to grade as (path on disk, name shown in the CSV); zips are unpacked under ``unpack``."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        _collect(Path(path), str(path), unpack, found)
    return found


def _collect(path: Path, shown: str, unpack: Path, found: list[tuple[Path, str]]) -> None:
    if path.name.startswith(".") or path.name in SKIPPED:
        return
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.iterdir()):
            _collect(child, f"{shown}/{child.name}", unpack, found)
    elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        target = Path(tempfile.mkdtemp(dir=unpack))
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                out = (target / member.filename).resolve()
                if member.is_dir() or not out.is_relative_to(target.resolve()):
                    continue  # folders come with their files; a name pointing outside the folder is left out
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        for child in sorted(target.iterdir()):
            _collect(child, f"{shown}/{child.name}", unpack, found)
    else:
        found.append((path, shown))


def read(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """The notebook, or None and why it is not one."""
    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
        return nb, ""
    except Exception as err:  # any file a student may hand in: binary, JSON of another kind, truncated
        return None, f"not a notebook ({type(err).__name__})"


def find_chapter(nb: nbformat.NotebookNode) -> int | None:
    """The chapter whose checks the notebook calls most (``check.chN.``), else its Colab file name's number."""
    calls = Counter(int(m) for c in nb.cells if c.get("cell_type") == "code" for m in CHAPTER_CALL.findall(c.source))
    if calls:
        return calls.most_common(1)[0][0]
    name = str(nb.metadata.get("colab", {}).get("name", ""))
    return int(name[:2]) if name[:2].isdigit() else None


def written_id(nb: nbformat.NotebookNode) -> str:
    """The ``student_id = "..."`` the notebook's code sets, read without running it (when execution fails)."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and "student_id" in cell.source:
            try:
                for node in ast.walk(ast.parse(cell.source)):
                    if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "student_id" for t in node.targets)
                            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                        return node.value.value.strip()
            except SyntaxError:
                continue
    return ""


def kernel_env(jobs: int = 2) -> dict[str, str]:
    """The grading kernels' environment: offline, checks not strict, the cores shared among ``jobs`` kernels."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", _core.STRICT_ENV: "0"}
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, jobs))))
    return env


async def _execute(nb: nbformat.NotebookNode, cwd: str, timeout: float, notes: list[str], jobs: int) -> None:
    """Run every cell (errors noted, not fatal) within ``timeout`` seconds, then the grading cell."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True, startup_timeout=START_SECONDS, shutdown_kernel="immediate",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"], resources={"metadata": {"path": cwd}})
    deadline = time.monotonic() + timeout
    async with client.async_setup_kernel(env=kernel_env(jobs)):
        for index, cell in enumerate(nb.cells[:-1]):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            client.timeout = int(deadline - time.monotonic()) + 1
            await client.async_execute_cell(cell, index)
            if time.monotonic() >= deadline:   # the kernel was interrupted: the rest is not run
                notes.append(f"time-out after {timeout:.0f} s in cell {index + 1} (later cells not run)")
                break
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                notes.append(f"error in cell {index + 1}: {errors[0].get('ename', 'error')}")
        client.timeout = GRADE_SECONDS
        await client.async_execute_cell(nb.cells[-1], len(nb.cells) - 1)


def _run(nb: nbformat.NotebookNode, chapter: int, timeout: float, lang: str, notes: list[str],
         jobs: int) -> dict | None:
    """Execute the notebook with the grading cell appended; the grading cell's JSON, or None (with a note)."""
    import json

    from nbclient.exceptions import DeadKernelError

    with tempfile.TemporaryDirectory(prefix="bertkit-grade-") as cwd:
        result = Path(cwd) / f".result-{os.urandom(8).hex()}.json"
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell.outputs, cell.execution_count = [], None
        nb.cells.append(nbformat.v4.new_code_cell(
            f"from bertkit.book.check import _grade as _bertkit_grade\n"
            f"_bertkit_grade.write({chapter}, globals(), {str(result)!r}, {lang!r})"))
        limit = timeout + GRADE_SECONDS + START_SECONDS + 30
        try:
            asyncio.run(asyncio.wait_for(_execute(nb, cwd, timeout, notes, jobs), limit))
        except DeadKernelError:
            notes.append("the kernel died (a crash, or out of memory)")
        except (asyncio.TimeoutError, TimeoutError):
            notes.append(f"stopped after {limit:.0f} s: the kernel did not answer")
        except Exception as err:  # whatever nbclient or the kernel raise: the row says so, the grader goes on
            notes.append(f"not executed ({type(err).__name__}: {str(err).splitlines()[0][:120] if str(err) else ''})")
        if not result.exists():
            notes.append("the checks did not run")
            return None
        return json.loads(result.read_text(encoding="utf-8"))


def grade_file(path: Path, shown: str, chapter: int, timeout: float, lang: str = "en", jobs: int = 2) -> Row:
    """One submission's row (never raises)."""
    row = Row(shown)
    try:
        _grade_into(row, path, chapter, timeout, lang, jobs)
    except Exception as err:  # a notebook malformed in a way nbformat lets through: its row says so
        row.points.clear()
        row.notes.append(f"could not be graded ({type(err).__name__}: {str(err)[:120]})")
    return row


def _grade_into(row: Row, path: Path, chapter: int, timeout: float, lang: str, jobs: int) -> None:
    nb, why = read(path)
    if nb is None:
        row.notes.append(why)
        return
    row.student_id = written_id(nb)
    found = find_chapter(nb)
    if found != chapter:
        row.notes.append(f"a notebook of chapter {found}, not {chapter}" if found else "no chapter found")
        return
    result = _run(nb, chapter, timeout, lang, row.notes, jobs)
    if result is None:
        return
    if "error" in result:
        row.notes.append(f"grading failed: {result['error']}")
        return
    row.student_id = result.get("student_id") or row.student_id
    for name, ex in result["exercises"].items():
        row.points[name] = ex["points"] if ex["passed"] else 0
        if ex["missing"]:
            row.notes.append(f"{name}: missing variable {', '.join(ex['missing'])}")
        elif not ex["passed"] and not (ex["optional"] and not ex["attempted"]):
            row.notes.append(f"{name}: {'blank' if not ex['attempted'] else 'wrong'}")
        if ex["message"] and not ex["passed"]:
            row.report.append(f"- **{name}** {ex['message']}")
        if ex["text"] is not None:
            row.report.append(f"- **{name} in words:** " + (ex["text"].replace("\n", "\n  ") or "*(empty)*"))


def grade(paths: list[Path], out: Path, answers: Path | None = None, *, timeout: float = 300, jobs: int = 2,
          chapter: int | None = None, lang: str = "en", progress: bool = True) -> list[Row]:
    """Grade every submission under ``paths`` and write the CSV ``out`` and the Markdown ``answers``."""
    with tempfile.TemporaryDirectory(prefix="bertkit-grade-unpack-") as unpack:
        files = collect(paths, Path(unpack))
        if chapter is None:
            seen = Counter(c for p, _ in files if p.suffix == ".ipynb" for c in [_peek_chapter(p)] if c)
            chapter = seen.most_common(1)[0][0] if seen else 0
        checks = {n: ex for n, ex in exercises(chapters()[chapter]).items() if ex.number != "self"} if chapter else {}
        rows: list[Row] = []
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(grade_file, p, shown, chapter, timeout, lang, jobs) for p, shown in files]
            for future in tqdm(as_completed(futures), total=len(futures), desc="grading", unit="notebook",
                               disable=not progress):
                rows.append(future.result())
    rows.sort(key=lambda r: r.file)
    _write_csv(out, rows, checks)
    _write_answers(answers or out.with_name(out.stem + "_answers.md"), rows, chapter)
    return rows


def _peek_chapter(path: Path) -> int | None:
    try:
        nb, _ = read(path)
        return find_chapter(nb) if nb is not None else None
    except Exception:  # graded (and noted) later, like any file that is not a notebook
        return None


def _write_csv(out: Path, rows: list[Row], checks: dict) -> None:
    full = sum(ex.points for ex in checks.values() if not ex.optional)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "student_id", *checks, "total", "max", "notes"])
        for r in rows:
            writer.writerow([r.file, r.student_id, *(r.points.get(n, "") for n in checks),
                             sum(r.points.values()), full, "; ".join(r.notes)])


def _write_answers(path: Path, rows: list[Row], chapter: int | None) -> None:
    lines = [f"# Chapter {chapter}: answers in words and what did not pass", ""]
    for r in rows:
        lines += [f"## {r.file}" + (f" ({r.student_id})" if r.student_id else ""), ""]
        lines += [*(r.report or ["*(nothing to read)*"]), *([f"- notes: {'; '.join(r.notes)}"] if r.notes else []), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bertkit.book.grade", description=__doc__.split("\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path, help="notebooks, folders or zips")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (grades.csv)")
    parser.add_argument("--answers", type=Path, help="the Markdown of answers in words (default: OUT_answers.md)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook (300)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at a time (2)")
    parser.add_argument("--chapter", type=int, help="the chapter to grade (default: the most common one)")
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the check messages")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.submissions if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    if args.chapter is not None and args.chapter not in chapters():
        parser.error(f"--chapter must be one of {sorted(chapters())}")
    rows = grade(args.submissions, args.out, args.answers, timeout=args.timeout, jobs=args.jobs,
                 chapter=args.chapter, lang=args.lang)
    print(f"{len(rows)} submissions graded: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
