"""Does a tokenizer read Korean? The share of Hangul syllables that survive tokenization as syllables.

An English uncased vocabulary (the bundled all-MiniLM-L6-v2) lower-cases with accent stripping, which
decomposes every Hangul syllable into jamo (Unicode NFD) before WordPiece runs, so almost nothing of the
syllables is left; a Korean vocabulary (kcbert, klue) keeps them. The book's Korean edition switches its
examples to Korean when :func:`reads_hangul` is true.
"""

from __future__ import annotations

from collections.abc import Iterable

from transformers import PreTrainedTokenizerBase

SAMPLE = (
    "오늘 본 영화는 배우들의 연기가 정말 좋았습니다.",
    "배가 고파서 배를 깎아 먹었다.",
    "한국어 문장을 토크나이저가 어떻게 나누는지 봅시다.",
)
"""Korean sentences used when no texts are given."""


def hangul_syllables(text: str) -> int:
    """Number of precomposed Hangul syllables ('가' to '힣') in ``text``."""
    return sum("\uac00" <= ch <= "\ud7a3" for ch in text)


def hangul_kept(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str] = SAMPLE) -> float:
    """Share (0 to 1) of the Hangul syllables in ``texts`` that the tokenizer's pieces still contain.

    ``[UNK]`` pieces and jamo count as lost. Raises ``ValueError`` if ``texts`` holds no Hangul syllable.
    """
    texts = list(texts)
    total = sum(map(hangul_syllables, texts))
    if total == 0:
        raise ValueError("hangul_kept needs texts with Hangul syllables (가-힣); got none")
    pieces = [piece for text in texts for piece in tokenizer.tokenize(text) if piece != tokenizer.unk_token]
    return sum(map(hangul_syllables, pieces)) / total


def reads_hangul(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str] = SAMPLE, threshold: float = 0.5) -> bool:
    """True when more than ``threshold`` of the Hangul syllables survive tokenization (see :func:`hangul_kept`)."""
    return hangul_kept(tokenizer, texts) > threshold
