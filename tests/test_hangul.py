"""reads_hangul: False for the bundled English vocabulary, True for a cased Korean WordPiece vocabulary."""

import pytest

import bertkit
from families import build


def test_bundled_english_vocabulary_does_not_read_hangul(tokenizer):
    assert bertkit.hangul_kept(tokenizer) < 0.1
    assert not bertkit.reads_hangul(tokenizer)


@pytest.mark.parametrize("family", ["bert", "roberta", "electra"])
def test_korean_wordpiece_reads_hangul(family, tmp_path):
    tokenizer, _ = bertkit.load(build(family, tmp_path / family))
    assert bertkit.hangul_kept(tokenizer, ["영화가 정말 좋았다"]) > 0.9
    assert bertkit.reads_hangul(tokenizer)


def test_texts_without_hangul_are_refused(tokenizer):
    with pytest.raises(ValueError, match="Hangul"):
        bertkit.hangul_kept(tokenizer, ["no Korean here"])
