"""reads_hangul: False for the bundled English vocabulary, True for Korean WordPiece, SentencePiece and byte-level
BPE vocabularies (the last keeps syllables as bytes, so no piece string holds a syllable)."""

import pytest

import bertkit
from families import build


def test_bundled_english_vocabulary_does_not_read_hangul(tokenizer):
    assert bertkit.hangul_kept(tokenizer) < 0.1
    assert not bertkit.reads_hangul(tokenizer)


@pytest.mark.parametrize("family", ["bert", "roberta", "electra", "xlmr_unigram", "roberta_bpe"])
def test_korean_wordpiece_reads_hangul(family, tmp_path):
    tokenizer, _ = bertkit.load(build(family, tmp_path / family))
    assert bertkit.hangul_kept(tokenizer, ["영화가 정말 좋았다"]) > 0.9
    assert bertkit.reads_hangul(tokenizer)


def test_texts_without_hangul_are_refused(tokenizer):
    with pytest.raises(ValueError, match="Hangul"):
        bertkit.hangul_kept(tokenizer, ["no Korean here"])


def test_byte_level_pieces_hold_no_syllable_yet_hangul_is_kept(tmp_path):
    tokenizer, _ = bertkit.load(build("roberta_bpe", tmp_path / "bpe"))
    text = "영화가 정말 좋았다"
    assert not any(bertkit.hangul.hangul_syllables(p) for p in tokenizer.tokenize(text))  # bytes, not syllables
    assert bertkit.hangul_kept(tokenizer, [text]) == 1.0


def test_unknown_and_decomposed_syllables_count_as_lost(tokenizer, tmp_path):
    korean, _ = bertkit.load(build("bert", tmp_path / "bert"))
    rare = "뷁"  # not in the reviews, so not in the trained vocabulary: [UNK]
    assert korean.tokenize(rare) == [korean.unk_token]
    assert bertkit.hangul_kept(korean, ["영화 " + rare]) == 2 / 3
    assert bertkit.hangul_kept(tokenizer, ["영화"]) == 0.0  # the bundled uncased vocabulary: jamo
