"""One Korean term per idea: the variants book/ko/glossary.md rules out appear nowhere in the Korean edition.

Checked: the Korean edition's markdown (notebook cells and pages), the comments and string literals of its code
cells, and the string literals and comments of bertkit/book that hold Hangul (check messages, hints). The glossary
itself is left out: it names the variants it rules out.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterator

import pytest

from _book import BOOK, ROOT, cells, source

HANGUL = re.compile(r"[가-힣]")
NOT_HANGUL_AFTER = r"(?![가-힣])"

# (variant, the glossary's term): a regex for the variant, and what to write instead.
VARIANTS: list[tuple[str, str]] = [
    (r"토큰 타입", "세그먼트 (세그먼트 ID, 세그먼트 임베딩)"),
    (r"사영|프로젝션", "투영"),
    (r"dense 층", "선형 층"),
    (r"하위 토큰|조각", "서브워드 토큰"),
    (r"서브워드(?! 토큰| 토크나이저)", "서브워드 토큰"),
    (r"\d\s*워드피스", "토큰 ('워드피스'는 알고리즘과 어휘 집합의 이름)"),
    (r"특수 토큰", "스페셜 토큰"),
    (r"빠른 토크나이저", "fast 토크나이저"),
    (r"라벨", "레이블"),
    (r"어휘(?!\s*집합)", "어휘 집합"),
    (r"윈도우|(?<![가-힣])창(?:이|을|은|의|에|에서|마다|과|도|으로|벡터)?" + NOT_HANGUL_AFTER, "윈도"),
    (r"프로브", "탐침"),
    (r"얼(?:리(?!\s*스토핑)|린|려|렸|립)", "고정"),
    (r"태스크", "과제"),
    (r"(?<![가-힣])폭(?:이|을|은|의|과|도)?" + NOT_HANGUL_AFTER, "너비"),
    (r"dev 세트", "개발 세트"),
    (r"목표값|목푯값", "타깃"),
    (r"et al", "외"),
    (r"(?<![가-힣])무리(?!하|한|해|없|수|였)", "군집"),
    (r"\d\s*걸음", "스텝"),
    (r"풀어 담", "언패킹"),
    (r"`?\((?:셉|클스|패드|엉크|마스크)\)", "읽는 소리를 괄호로 적지 않기 (조사만 그 소리에 맞춤)"),
    (r"\[SEP\]`?(?:를|는|가|와|로)" + NOT_HANGUL_AFTER, "[SEP] 뒤에는 을/은/이/과/으로"),
    (r"\[(?:CLS|PAD|UNK|MASK)\]`?(?:을|은|이|과|으로)" + NOT_HANGUL_AFTER, "[CLS]/[PAD]/[UNK]/[MASK] 뒤에는 를/는/가/와/로"),
    (r"\{[^{}]*\}`?(?:는|은|가|이|를|을)" + NOT_HANGUL_AFTER, "자리표시자 뒤에 '값' 같은 말을 넣기 ('{name} 값이')"),
]
PATTERNS = [(re.compile(pattern), term) for pattern, term in VARIANTS]

# '정규화' never stands alone: one of these must name which normalization is meant, close to it.
NORMALIZATION = re.compile(r"정규화(?!기)")
QUALIFIERS = ("L2", "층", "유니코드", "NFC", "NFD", "LayerNorm", "normalize")


def _bare_normalizations(text: str) -> Iterator[str]:
    for match in NORMALIZATION.finditer(text):
        around = text[max(0, match.start() - 20) : match.end() + 10]
        if not any(word in around for word in QUALIFIERS):
            yield "정규화: 'L2 정규화', '층 정규화', '유니코드 정규화(NFC/NFD)' 또는 '정규화기'"


def offences(text: str) -> list[str]:
    """Each ruled-out variant in `text`, with the term to use instead."""
    text = re.sub(r"\s*\n\s*", " ", text)  # a markdown line break is a space
    found = [f"{m.group(0)!r} -> {term}" for pattern, term in PATTERNS for m in pattern.finditer(text)]
    return found + list(_bare_normalizations(text))


def _string_value(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: placeholders shown as {expression}
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
            if isinstance(part, (ast.Constant, ast.FormattedValue))
        )
    return None


def code_texts(code: str) -> list[str]:
    """The comments and string literals of Python code (implicit concatenations joined) that hold Hangul."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    tokens: list[tokenize.TokenInfo] = []
    try:
        tokens.extend(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):  # unbalanced brackets: keep the tokens read so far
        pass
    texts = [t.string for t in tokens if t.type == tokenize.COMMENT]
    try:
        tree = ast.parse(code)
    except SyntaxError:  # not Python (a cell magic): check its string tokens as they stand
        return [t for t in texts + [t.string for t in tokens if t.type == tokenize.STRING] if HANGUL.search(t)]
    inside_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) not in inside_fstrings:
            value = _string_value(node)
            if value is not None:
                texts.append(value)
    return [t for t in texts if HANGUL.search(t)]


def korean_edition() -> Iterator[tuple[str, str]]:
    for path in sorted((BOOK / "ko").glob("*.md")):
        if path.name != "glossary.md":
            yield path.name, path.read_text(encoding="utf-8")
    for path in sorted((BOOK / "ko").glob("*.ipynb")):
        for i, cell in enumerate(cells(path)):
            if cell["cell_type"] == "markdown":
                yield f"{path.name} cell {i}", source(cell)
            elif cell["cell_type"] == "code":
                for text in code_texts(source(cell)):
                    yield f"{path.name} cell {i} (code)", text


def book_package() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "bertkit" / "book").rglob("*.py")):
        for text in code_texts(path.read_text(encoding="utf-8")):
            yield str(path.relative_to(ROOT)), text


def _report(texts: Iterator[tuple[str, str]]) -> list[str]:
    return [f"{where}: {offence}" for where, text in texts for offence in offences(text)]


@pytest.mark.parametrize("texts", [korean_edition, book_package], ids=["book/ko", "bertkit/book"])
def test_only_glossary_terms(texts: Callable[[], Iterator[tuple[str, str]]]) -> None:
    collected = list(texts())
    assert collected, "found no Korean text to check"
    found = _report(iter(collected))
    assert not found, "variants the glossary rules out (book/ko/glossary.md):\n" + "\n".join(found)


def test_every_replacement_is_in_the_glossary() -> None:
    glossary = (BOOK / "ko" / "glossary.md").read_text(encoding="utf-8")
    terms = {line.split("|")[1].strip() for line in glossary.splitlines() if line.startswith("| ")}
    for term in ("세그먼트 ID", "세그먼트 임베딩", "투영", "선형 층", "서브워드 토큰", "스페셜 토큰", "fast 토크나이저",
                 "레이블", "어휘 집합", "윈도", "선형 탐침", "고정", "과제", "임베딩 너비", "개발 세트", "타깃",
                 "군집", "스텝", "언패킹", "정규화기", "원형", "어간", "L2 정규화", "층 정규화", "유니코드 정규화"):
        assert term in terms, f"{term!r} is not a row of book/ko/glossary.md"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("각 창마다 벡터", 1), ("창문을 연다", 0), ("윈도마다", 0), ("`[SEP]`를 넣습니다", 1), ("`[SEP]`을", 0),
        ("[CLS]가", 0), ("[UNK](엉크)", 1), ("f{name}가 아직", 1), ("`{name}`가 아직", 1), ("`{name}` 값이", 0), ("폭풍이 분다", 0),
        ("임베딩 폭", 1), ("어휘\n집합", 0), ("어휘 사전", 1), ("L2 정규화한 벡터", 0), ("벡터를 정규화합니다", 1),
        ("정규화기가", 0), ("서브워드 토큰", 0), ("서브워드는", 1), ("256 워드피스", 1), ("워드피스 어휘 집합", 0),
        ("무리하게", 0), ("떨어진 무리", 1), ("얼린 인코더", 1), ("얼리 스토핑", 0),
    ],
)
def test_the_rules_catch_what_they_name(text: str, expected: int) -> None:
    assert len(offences(text)) == expected, offences(text)
