"""Does a tokenizer read Korean? The share of Hangul syllables that survive tokenization as syllables.

What counts is what the tokenizer keeps, read back by decoding its ids, whatever its pieces look like: a
WordPiece or SentencePiece vocabulary of Korean keeps syllables as pieces (``##다``, ``▁영화``), a byte-level
BPE keeps them as UTF-8 bytes (``ìĺģ``) that decode back to the same syllables. An English uncased vocabulary
(the bundled all-MiniLM-L6-v2) lower-cases with accent stripping, which decomposes every Hangul syllable into
jamo (Unicode NFD) before WordPiece runs, so almost nothing of the syllables is left; an unknown token
(``[UNK]``, ``<unk>``) loses what it stands for. The book's Korean edition switches its examples to Korean when
:func:`reads_hangul` is true.
"""

from __future__ import annotations

from collections import Counter
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


def _syllables(text: str) -> Counter[str]:
    return Counter(ch for ch in text if "\uac00" <= ch <= "\ud7a3")


def hangul_kept(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str] = SAMPLE) -> float:
    """Share (0 to 1) of the Hangul syllables in ``texts`` that come back when the tokenizer's ids are decoded.

    Each text is tokenized without special tokens and decoded; a syllable counts as kept as often as it occurs
    in both (so decoding can't add any). Syllables replaced by the unknown token or decomposed into jamo are
    lost; syllables split into byte-level pieces are kept. Raises ``ValueError`` if ``texts`` holds no Hangul
    syllable.
    """
    texts = list(texts)
    total = sum(map(hangul_syllables, texts))
    if total == 0:
        raise ValueError("hangul_kept needs texts with Hangul syllables (가-힣); got none")
    kept = 0
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        decoded = str(tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False))
        kept += (_syllables(text) & _syllables(decoded)).total()
    return kept / total


def reads_hangul(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str] = SAMPLE, threshold: float = 0.5) -> bool:
    """True when more than ``threshold`` of the Hangul syllables survive tokenization (see :func:`hangul_kept`):
    for a Korean WordPiece, SentencePiece or byte-level BPE vocabulary, not for an English uncased one."""
    return hangul_kept(tokenizer, texts) > threshold
