"""Generate the Colab and student editions of the book's chapters: ``python tools/editions.py``.

The chapters under ``book/<edition>/NN_*.ipynb`` are written in MyST for Jupyter Book. Colab and plain notebook
viewers render CommonMark only, so this module writes two generated copies of every chapter (discovered, not
listed), kept in the repository and checked by ``tests/book/test_editions.py``:

- ``colab/<edition>/NN_*.ipynb``: the chapter for readers in Colab. ``(label)=`` lines removed, ``{ref}`` turned
  into links to the rendered book, ``{glue:text}`` replaced by the default model's value (from
  ``colab/glue.json``) marked with †, admonitions as blockquotes, and every exercise's solution (its code and
  its explanation) in a closed ``<details>`` block under an empty answer cell and the check cell.
- ``student/<edition>/NN_*.ipynb``: the same without the solutions, for a class, with a first cell for the
  student's name or id (``student_id``, which ``bertkit.book.grade`` reads).

In both, the install cell installs the version of bertkit the notebooks were generated from (``pyproject.toml``'s
version, as the git tag ``vX.Y.Z`` of the repository), every link points at the rendered book (``html.baseurl``
in ``_config.yml``) or at a file of the repository at that tag, and the ``glue()`` calls and asserts that feed and
guard the book's prose are left out of the code (the prose shows the default model's values, marked †).

Exercise cells in a chapter carry tags: ``exercise-stub`` (the blank answer cell; hidden in the book by
``remove-cell``), ``solution`` (solution code, and the markdown with its explanation), ``exercise-check``.

Why not nbgrader or otter-grader for the student edition: both were weighed. nbgrader 0.9.6 installs 48
packages (jupyterlab, notebook, jupyter_server, SQLAlchemy, alembic, ...) and its ``ClearSolutions``
preprocessor cannot be imported without them (``nbgrader.preprocessors`` imports the server extensions);
otter-grader 7.0.0 installs 22 (pandas, playwright, python-on-whales, ...) and wants its own raw-cell question
format in the source notebook. The book already marks solutions by cell tag, so nbconvert's own
``TagRemovePreprocessor`` (nbconvert is needed anyway to render the notebooks as viewers do) removes them, and
``ClearOutputPreprocessor`` clears outputs: no string surgery on code. Only the MyST-to-Markdown step of the
prose is this module's own, because no kept tool converts MyST roles and directives to CommonMark.

Glue values: ``python tools/editions.py --glue-from-build`` (after ``make book``) reads the values the
last book build stored beside each executed chapter (``_build/jupyter_execute/book/<edition>/NN.glue.json``) into
``colab/glue.json``, with the model each chapter ran on (tools/edition_models.py), which the notes name for the †
values; a plain run reuses that file, so regenerating needs no execution and is deterministic.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat
import yaml
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))   # tools/edition_text.py, run as a script or loaded by path
from edition_models import described, models_from_build  # noqa: E402
from edition_text import GLUE, absolute_links, pin_install, to_markdown, without_build_code  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ("ko", "en")
OUTPUTS = ("colab", "student")
GLUE_FILE = "glue.json"

LABEL_AT = re.compile(r"^\(((?:ko|en)-[A-Za-z0-9_-]+)\)=[ \t]*\n(?:\s*\n)*(#+)?[ \t]*(.*)$", re.MULTILINE)

TEXT = {
    "colab_note": {
        "en": "*Colab edition of chapter {n} of [the BERT embeddings book]({url}), generated from the book's "
              "source for bertkit {version}. Numbers and words marked † are what {model} "
              "gives; the cells print your model's own. Solutions are folded under each "
              "exercise.*",
        "ko": "*[BERT 임베딩 책]({url}) {n}장의 Colab 판입니다. 책의 원본에서 bertkit {version}에 맞춰 만들었습니다. "
              "† 표시가 붙은 숫자와 단어는 {model}의 결과이고, 셀은 여러분이 쓰는 모델의 값을 "
              "출력합니다. 풀이는 연습문제마다 접혀 있습니다.*",
    },
    "student_note": {
        "en": "*Chapter {n} of [the BERT embeddings book]({url}) for students, bertkit {version}. Write your name "
              "or id in the first code cell, each answer in its cell (answers in words go between the quotes of "
              "the `..._text` variables), and run the check under it: it shows ✓, or ✗ and what is wrong; "
              "`check.ch{n}.q1.hint()` prints a hint. Run all always reaches the self-check at the end. Numbers "
              "and words marked † are what {model} gives.*",
        "ko": "*[BERT 임베딩 책]({url}) {n}장의 학생용 노트북입니다(bertkit {version}). 첫 코드 셀에 이름이나 학번을 "
              "쓰고, 답은 답 셀에 씁니다(말로 쓰는 답은 `..._text` 변수의 따옴표 사이에 씁니다). 바로 아래 확인 셀을 "
              "실행하면 ✓, 또는 ✗와 무엇이 틀렸는지가 나옵니다. 힌트는 `check.ch{n}.q1.hint()`로 봅니다. '모두 "
              "실행'은 언제나 마지막 스스로 확인하기까지 갑니다. † 표시가 붙은 숫자와 단어는 "
              "{model}의 결과입니다.*",
    },
    "answer": {"en": "# Your answer:", "ko": "# 여러분의 답:"},
    "student_id": {"en": "# Your name or student id, as your teacher asked for it:",
                   "ko": "# 이름이나 학번(선생님이 정한 대로):"},
    "solution": {"en": "Solution", "ko": "풀이"},
}


def config(root: Path = ROOT) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def book_url(root: Path = ROOT) -> str:
    """Base URL of the rendered book: ``html.baseurl`` in _config.yml, else the repository's GitHub Pages."""
    cfg = config(root)
    base = (cfg.get("html") or {}).get("baseurl")
    if not base:
        owner, repo = cfg["repository"]["url"].rstrip("/").split("/")[-2:]
        base = f"https://{owner}.github.io/{repo}/"
    return base.rstrip("/") + "/"


def version(root: Path = ROOT) -> str:
    """bertkit's version in ``pyproject.toml``: the release the generated notebooks install."""
    match = re.search(r'^version\s*=\s*"([^"]+)"', (root / "pyproject.toml").read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise ValueError("pyproject.toml has no version")
    return match.group(1)


def pinned(code: str, root: Path = ROOT) -> str:
    """The Colab set-up cell with its install pinned to the release tag ``vX.Y.Z`` of the repository."""
    return pin_install(code, version(root))


def chapters(root: Path = ROOT) -> list[Path]:
    """Every chapter notebook of every edition (``book/<edition>/NN_*.ipynb``), discovered and sorted."""
    return sorted(p for ed in EDITIONS for p in (root / "book" / ed).glob("[0-9][0-9]_*.ipynb"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def labels(root: Path = ROOT) -> dict[str, tuple[str, str, str]]:
    """label -> (page path relative to the book root without suffix, anchor or "", title) for every page."""
    found: dict[str, tuple[str, str, str]] = {}
    for ed in EDITIONS:
        for page in sorted((root / "book" / ed).iterdir()):
            if page.suffix == ".md":
                blocks = [page.read_text(encoding="utf-8")]
            elif page.suffix == ".ipynb":
                nb = json.loads(page.read_text(encoding="utf-8"))
                blocks = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
            else:
                continue
            first = True
            for text in blocks:
                for m in LABEL_AT.finditer(text):
                    top = first and text[: m.start()].strip() == ""
                    title = re.sub(r"[*_`]", "", m.group(3)).strip() if m.group(2) else m.group(1)
                    found[m.group(1)] = (f"book/{ed}/{page.stem}", "" if top else m.group(1), title)
                first = False
    return found


def read_glue(root: Path = ROOT) -> dict[str, dict[str, str]]:
    path = root / "colab" / GLUE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def glue_from_build(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """The glue values of the last book build, per chapter (``en/01_tokenizer_inputs``), as displayed text."""
    values: dict[str, dict[str, str]] = {}
    models = models_from_build(root, config(root)["execute"]["cache"])  # which model each chapter ran on
    for path in chapters(root):
        key = f"{path.parent.name}/{path.stem}"
        stored = root / "_build" / "jupyter_execute" / "book" / path.parent.name / f"{path.stem}.glue.json"
        if not stored.exists():
            continue
        chapter = {}
        for name, output in json.loads(stored.read_text(encoding="utf-8")).items():
            text = output.get("data", {}).get("text/plain", "")
            try:
                value = ast.literal_eval(text)
                text = value if isinstance(value, str) else text
            except (ValueError, SyntaxError):
                pass
            chapter[name] = text
        values[key] = dict(sorted({**chapter, **models.get(key, {})}.items()))
    return values


def glue_names(path: Path) -> set[str]:
    """The glue names a chapter's prose uses."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {m.group(1) for c in nb["cells"] if c["cell_type"] == "markdown" for m in GLUE.finditer(_source(c))}


def _id(cell: dict, suffix: str) -> str:
    return hashlib.sha1(f"{cell.get('id', '')}{_source(cell)}{suffix}".encode()).hexdigest()[:8]


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def make_edition(path: Path, kind: str, glue: dict[str, str], refs: dict, url: str) -> nbformat.NotebookNode:
    """One generated notebook (``kind`` is "colab" or "student") from one chapter."""
    edition, number, root = path.parent.name, int(path.stem[:2]), path.parents[2]
    repo, tag = config(root)["repository"]["url"].rstrip("/"), f"v{version(root)}"
    nb = nbformat.read(path, as_version=4)
    if kind == "student":
        # nbconvert removes the solution cells (code and explanation) by tag.
        nb, _ = TagRemovePreprocessor(remove_cell_tags={"solution"}).preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    cells, pending = [], None
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "code" and "solution" in tags:      # colab: fold into the explanation below
            pending = _source(cell)
            continue
        if cell.cell_type == "markdown":
            text = _source(cell)
            if pending is not None and "solution" in tags:
                folded = to_markdown(text, edition, glue, refs, url)
                head = re.search(r"<summary>[^<]*</summary>\n\n", folded)
                if head is None:
                    raise ValueError(f"{path}: a solution explanation is not a dropdown admonition")
                text = f"{folded[: head.end()]}```python\n{pending}\n```\n\n{folded[head.end():]}"
                pending = None
            else:
                text = to_markdown(text, edition, glue, refs, url)
            cell.source = absolute_links(text, f"book/{edition}", url, repo, tag)
        elif "exercise-stub" in tags:
            cell.source = f"{TEXT['answer'][edition]}\n{_source(cell)}"
        elif cell.cell_type == "code":
            cell.source = pinned(without_build_code(_source(cell)), root)
            if not cell.source.strip():
                continue
        if "tags" in cell.metadata:
            kept = [t for t in tags if t not in {"remove-cell", "hide-input", "solution"}]
            if kept:
                cell.metadata["tags"] = kept
            else:
                del cell.metadata["tags"]
        cells.append(cell)
    if pending is not None:
        raise ValueError(f"{path}: a solution code cell has no solution explanation after it")
    note = TEXT[f"{kind}_note"][edition].format(n=number, url=url, version=version(root),
                                                model=described(glue, edition))  # the model of the † values
    intro = nbformat.v4.new_markdown_cell(note)
    intro["id"] = _id(cells[0], kind)
    first = [cells[0], intro]
    if kind == "student":
        ask = nbformat.v4.new_code_cell(f'{TEXT["student_id"][edition]}\nstudent_id = ""')
        ask["id"], ask.metadata["tags"] = _id(cells[0], "student_id"), ["student-id"]
        first.append(ask)
    nb.cells = [*first, *cells[1:]]
    nb.nbformat_minor = max(nb.nbformat_minor, 5)          # cell ids (5.0+) for every cell, stable across runs
    for i, cell in enumerate(nb.cells):
        cell.setdefault("id", _id(cell, str(i)))
    nb.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}), "language_info": {"name": "python"},
                   "colab": {"name": path.name, "provenance": []}}
    return nb


def generate(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file (path relative to ``root`` -> text), without writing anything."""
    glue, refs, url = read_glue(root), labels(root), book_url(root)
    files = {}
    for path in chapters(root):
        values = glue.get(f"{path.parent.name}/{path.stem}", {})
        for kind in OUTPUTS:
            nb = make_edition(path, kind, values, refs, url)
            nbformat.validate(nb)
            files[Path(kind) / path.parent.name / path.name] = nbformat.writes(nb) + "\n"
    return files


def write(root: Path = ROOT, out: Path | None = None) -> list[Path]:
    """Write every generated notebook under ``out`` (default: ``root``), removing those without a chapter."""
    files, out = generate(root), out or root
    for kind in OUTPUTS:
        for old in (out / kind).glob("*/*.ipynb"):
            if old.relative_to(out) not in files:
                old.unlink()
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, encoding="utf-8")
    return sorted(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/editions.py", description=__doc__.split("\n")[0])
    parser.add_argument("--glue-from-build", action="store_true",
                        help="first read the glue values of the last `make book` into colab/glue.json")
    parser.add_argument("--out", type=Path, help="write colab/ and student/ under this folder instead")
    args = parser.parse_args(argv)
    if args.glue_from_build:
        values = glue_from_build()
        if not values:
            print("No _build/jupyter_execute/**/*.glue.json: run `make book` first.", file=sys.stderr)
            return 1
        values = {**read_glue(), **values}   # chapters the build did not run keep their earlier values
        (ROOT / "colab").mkdir(exist_ok=True)
        (ROOT / "colab" / GLUE_FILE).write_text(json.dumps(values, indent=1, ensure_ascii=False, sort_keys=True)
                                                + "\n", encoding="utf-8")
    for path in write(ROOT, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
