"""How long `python -m bertkit.book.grade` takes for a class: N submissions of one chapter, graded two at a time.

    .venv/bin/python benchmarks/grade.py                       # 30 submissions of book/en/07, --jobs 2
    .venv/bin/python benchmarks/grade.py --n 30 --chapter book/en/10_corpus_search.ipynb

The submissions are made from the book's chapter: a third solved (the book's solutions), a third blank (the
solutions removed) and a third with a wrong value after the first solution. Prints the wall time, the CPU time of
the grader and its kernels, and checks that every solved submission got full marks.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def submissions(chapter: Path, n: int, folder: Path) -> None:
    for i in range(n):
        nb = nbformat.read(chapter, as_version=4)
        nb.cells.insert(0, nbformat.v4.new_code_cell(f'student_id = "student-{i:02d}"'))
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        if i % 3 == 1:      # blank: the solutions removed
            nb.cells = [c for c, t in zip(nb.cells, tags) if "solution" not in t]
        elif i % 3 == 2:    # a wrong value right after the first solution
            first = next(k for k, t in enumerate(tags) if "solution" in t)
            answer = next(c for c, t in zip(nb.cells, tags) if "exercise-stub" in t).source.split("=")[0].strip()
            nb.cells.insert(first + 1, nbformat.v4.new_code_cell(f"{answer} = 123456"))
        nbformat.write(nb, folder / f"submission_{i:02d}.ipynb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chapter", type=Path, default=ROOT / "book" / "en" / "07_korean_tokenization.ipynb")
    args = parser.parse_args()
    from bertkit.book import grade

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hand-in"
        folder.mkdir()
        submissions(args.chapter, args.n, folder)
        start = time.perf_counter()
        rows = grade.grade([folder], Path(tmp) / "grades.csv", jobs=args.jobs)
        wall = time.perf_counter() - start
        with open(Path(tmp) / "grades.csv", encoding="utf-8") as f:
            table = list(csv.DictReader(f))
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    solved = [r for r in table if int(r["file"][-8:-6]) % 3 == 0]
    full = all(float(r["total"]) == float(r["max"]) for r in solved)
    print(f"{len(rows)} submissions of {args.chapter.name}, --jobs {args.jobs}: {wall:.0f} s wall "
          f"({wall / len(rows):.1f} s per notebook), {cpu:.0f} CPU-s; solved ones at full marks: {full}")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
