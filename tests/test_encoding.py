"""bertkit.encoding: validation of texts, length limits, tokenizer/model pairing, and run()."""

import math

import pytest
import torch
from transformers import BertTokenizerFast

import bertkit
from bertkit import TokenizerMismatchError


@pytest.mark.parametrize(
    ("texts", "error", "match"),
    [
        (None, TypeError, "None"),
        ([], ValueError, "empty"),
        ("", ValueError, "empty or whitespace"),
        ("   \n\t", ValueError, "empty or whitespace"),
        (["fine", ""], ValueError, r"texts\[1\]"),
        (42, TypeError, "string"),
        (["fine", 3.5], TypeError, r"texts\[1\] is float"),
        (["fine", None], TypeError, r"texts\[1\] is NoneType"),
    ],
)
def test_bad_texts_get_clear_errors(tokenizer, model, texts, error, match):
    with pytest.raises(error, match=match):
        bertkit.encode(tokenizer, texts, model=model)


def test_too_long_text_raises_unless_truncation_is_asked(tokenizer, model):
    limit = bertkit.max_input_length(tokenizer, model)
    assert limit <= min(tokenizer.model_max_length, model.config.max_position_embeddings)
    long_text = "word " * (limit * 2)
    with pytest.raises(ValueError, match="long_texts='truncate'"):
        bertkit.encode(tokenizer, ["short", long_text], model=model)
    with pytest.warns(UserWarning, match="Truncated 1 of 2"):
        enc = bertkit.encode(tokenizer, ["short", long_text], model=model, truncation=True)
    assert enc["input_ids"].shape == (2, limit)
    assert enc["input_ids"][1, -1] == tokenizer.sep_token_id, "truncation keeps the final [SEP]"


def test_max_length_beyond_the_model_is_refused(tokenizer, model):
    limit = bertkit.position_limit(tokenizer, model)
    with pytest.raises(ValueError, match=str(limit)):
        bertkit.encode(tokenizer, "hello", model=model, max_length=limit + 1)


def test_encode_matches_the_tokenizer(tokenizer, model):
    texts, pairs = ["I love Paris", "Hello there, world"], ["It is big", "Hi"]
    enc = bertkit.encode(tokenizer, texts, pairs, model=model)
    ref = tokenizer(texts, pairs, padding=True, return_tensors="pt")
    for key in ref:
        assert torch.equal(enc[key], ref[key]), key
    with pytest.raises(ValueError, match="one pair per text"):
        bertkit.encode(tokenizer, texts, pairs[:1])


def _foreign_tokenizer(tmp_path, extra_tokens: int = 0) -> BertTokenizerFast:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", *[f"tok{i}" for i in range(extra_tokens)]]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab=str(tmp_path / "vocab.txt"))
    tok.save_pretrained(tmp_path)
    return BertTokenizerFast.from_pretrained(tmp_path)


def test_tokenizer_from_another_checkpoint_is_refused(tmp_path, model):
    foreign = _foreign_tokenizer(tmp_path)
    with pytest.raises(TokenizerMismatchError, match="bertkit.load"):
        bertkit.encode(foreign, "hello world", model=model)


def test_tokenizer_with_more_ids_than_embeddings_is_refused(tmp_path, model):
    big = _foreign_tokenizer(tmp_path, extra_tokens=model.config.vocab_size)
    big.name_or_path = model.config._name_or_path  # even when it claims the same origin
    with pytest.raises(TokenizerMismatchError, match="embedding table"):
        bertkit.check_pair(big, model)


@pytest.mark.parametrize("text", ["나는 파리를 사랑한다", "I ❤️ Paris 🗼", "Paris는 beautiful 하다 😀"])
def test_korean_emoji_and_mixed_scripts_give_finite_vectors(tokenizer, model, text):
    enc, out = bertkit.run(model, tokenizer, text)
    assert torch.isfinite(out.last_hidden_state).all()
    assert enc["input_ids"].shape[1] >= 3


def test_run_returns_every_hidden_state(batch, model):
    _, _, outputs = batch
    assert len(outputs.hidden_states) == model.config.num_hidden_layers + 1
    for state in outputs.hidden_states:
        assert state.shape == outputs.last_hidden_state.shape


def test_pooler_output_is_tanh_of_dense_on_cls(batch, model):
    _, _, outputs = batch
    expected = torch.tanh(model.pooler.dense(outputs.last_hidden_state[:, 0]))
    torch.testing.assert_close(outputs.pooler_output, expected, atol=1e-6, rtol=1e-5)
    assert outputs.pooler_output.abs().max() < 1, "tanh keeps the pooler output inside (-1, 1)"
    assert not math.isclose(
        float(torch.nn.functional.cosine_similarity(outputs.pooler_output, outputs.last_hidden_state[:, 0]).mean()), 1.0
    ), "pooler_output is not the [CLS] vector itself"
