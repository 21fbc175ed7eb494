"""bertkit.encoding, bertkit.texts and bertkit.vocabulary: text validation, length limits, the tokenizer check, run()."""

import math
import re
import warnings

import pytest
import torch
from transformers import AutoModel, AutoTokenizer, BertTokenizerFast

import bertkit
import bertkit.vocabulary
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


INVISIBLE = ["\u200b", "\x00", "\u00ad", "\ufeff", " \u200b\t\x00 ", "\ufeff\n\u00ad", "\u2028\u200b\u3000"]


@pytest.mark.parametrize("text", INVISIBLE, ids=ascii)
def test_a_text_of_invisible_characters_only_is_refused_naming_it(tokenizer, model, text):
    escaped = re.escape(repr(text)[:60])
    with pytest.raises(ValueError, match=rf"texts\[1\] = {escaped} has invisible characters only"):
        bertkit.encode(tokenizer, ["real text", text], model=model)
    with pytest.raises(ValueError, match=r"texts\[0\].*invisible characters only"):
        bertkit.run(tokenizer, model, text, long_texts="chunk")
    with pytest.raises(ValueError, match=r"pairs\[0\].*invisible characters only"):
        bertkit.encode(tokenizer, ["real text"], [text], model=model)


def test_every_tokenizer_kind_refuses_invisible_only_texts(family_paths):
    """WordPiece drops these characters; SentencePiece reads each as <unk>, byte-level BPE as bytes: every
    invisible-only text would get one vector either way."""
    for name, path in sorted(family_paths.items()):
        tokenizer, model = bertkit.load(path)
        with pytest.raises(ValueError, match="invisible characters only"):
            bertkit.encode(tokenizer, ["visible", "\u200b\u00ad"], model=model)
        assert bertkit.encode(tokenizer, ["a\u200bb"], model=model)["input_ids"].shape[0] == 1, name


def test_a_text_written_as_special_tokens_only_is_refused_after_tokenization(tokenizer, model):
    text = f"{tokenizer.cls_token} {tokenizer.sep_token}"
    with pytest.raises(ValueError, match=r"texts\[1\] = .* has no token of its own"):
        bertkit.encode(tokenizer, ["real text", text], model=model)
    with pytest.raises(ValueError, match=r"pairs\[0\].*no token of its own"):
        bertkit.encode(tokenizer, ["real text"], [text], model=model)
    with pytest.raises(ValueError, match="no token of its own"):
        bertkit.extract(["real text", text], tokenizer=tokenizer, model=model, progress=False)


@pytest.mark.parametrize("text", ["a\u200b", "\u200bParis", "\U0001f917"], ids=ascii)
def test_invisible_characters_beside_text_or_an_unknown_token_are_read(tokenizer, model, text):
    enc, out = bertkit.run(tokenizer, model, [text])
    assert enc["attention_mask"].sum() > tokenizer.num_special_tokens_to_add()
    assert torch.isfinite(out.last_hidden_state).all()


def test_too_long_text_raises_unless_truncating_is_asked(tokenizer, model):
    limit = bertkit.max_input_length(tokenizer, model)
    assert limit <= min(tokenizer.model_max_length, model.config.max_position_embeddings)
    long_text = "word " * (limit * 2)
    with pytest.raises(ValueError, match="long_texts='truncate'"):
        bertkit.encode(tokenizer, ["short", long_text], model=model)
    with pytest.warns(UserWarning, match="Truncated 1 of 2"):
        enc = bertkit.encode(tokenizer, ["short", long_text], model=model, long_texts="truncate")
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
        bertkit.check_tokenizer(big, model)


@pytest.mark.parametrize("text", ["나는 파리를 사랑한다", "I ❤️ Paris 🗼", "Paris는 beautiful 하다 😀"])
def test_korean_emoji_and_mixed_scripts_give_finite_vectors(tokenizer, model, text):
    enc, out = bertkit.run(tokenizer, model, text)
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


# -- check_tokenizer compares vocabularies, not paths ------------------------------------------------------------


def test_a_model_saved_to_a_folder_pairs_with_its_original_tokenizer(family_paths, tmp_path):
    """The setup after fine-tuning: tokenizer from the original checkpoint, model from a folder of its own."""
    tokenizer, model = bertkit.load(family_paths["bert"])
    model.save_pretrained(tmp_path / "alone")  # saved without its tokenizer
    bertkit.check_tokenizer(tokenizer, AutoModel.from_pretrained(tmp_path / "alone"))
    tokenizer.save_pretrained(tmp_path / "alone")  # and with a copy of it
    bertkit.check_tokenizer(tokenizer, AutoModel.from_pretrained(tmp_path / "alone"))


def test_a_same_size_vocabulary_with_other_ids_is_refused_whatever_its_source(family_paths, tmp_path):
    tokenizer, model = bertkit.load(family_paths["bert"])
    lines = (family_paths["bert"] / "vocab.txt").read_text(encoding="utf-8").splitlines()
    a, b = len(lines) - 1, len(lines) - 2  # two ordinary tokens swap ids: same size, same specials
    lines[a], lines[b] = lines[b], lines[a]
    (tmp_path / "vocab.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    swapped = BertTokenizerFast(vocab=str(tmp_path / "vocab.txt"), do_lower_case=False, strip_accents=False)
    assert len(swapped) == len(tokenizer) and not swapped.name_or_path  # nothing says where it came from
    with pytest.raises(TokenizerMismatchError, match="vocabulary"):
        bertkit.check_tokenizer(swapped, model)


def test_vocab_fingerprint_equals_for_equal_vocabularies_only(family_paths, tmp_path):
    bert = bertkit.load_tokenizer(family_paths["bert"])
    bert.save_pretrained(tmp_path)  # a copy elsewhere: another path, the same ids
    copy = AutoTokenizer.from_pretrained(tmp_path)
    assert copy.name_or_path != bert.name_or_path
    assert bertkit.vocabulary.vocab_fingerprint(copy) == bertkit.vocabulary.vocab_fingerprint(bert)
    other = bertkit.load_tokenizer(family_paths["roberta"])  # another vocabulary, klue's special-token order
    assert bertkit.vocabulary.vocab_fingerprint(other) != bertkit.vocabulary.vocab_fingerprint(bert)


# -- run: eval mode, (tokenizer, model) order ----------------------------------------------------------------


def test_run_uses_eval_mode_and_restores_the_mode(tokenizer, model):
    texts = ["dropout must be off", "whatever mode the model was left in"]
    _, expected = bertkit.run(tokenizer, model, texts)
    model.train()
    try:
        _, first = bertkit.run(tokenizer, model, texts)
        _, second = bertkit.run(tokenizer, model, texts)
        assert model.training, "the previous mode is restored"
    finally:
        model.eval()
    torch.testing.assert_close(first.last_hidden_state, expected.last_hidden_state, atol=1e-6, rtol=0)
    torch.testing.assert_close(second.last_hidden_state, expected.last_hidden_state, atol=1e-6, rtol=0)


def test_run_with_the_model_first_says_the_order(tokenizer, model):
    with pytest.raises(TypeError, match=r"bertkit.run\(tokenizer, model, texts\)"):
        bertkit.run(model, tokenizer, "one order everywhere")
    with pytest.raises(TypeError, match="truncation"):
        bertkit.encode(tokenizer, "hello", truncation=True)  # the 0.1 alias of long_texts="truncate" is gone


# -- token types a model can't use ----------------------------------------------------------------------------


def test_klue_roberta_sentence_pairs_do_not_reach_the_model_with_type_ids(family_paths):
    """klue/roberta's tokenizer gives the second sentence type 1; its model has type_vocab_size == 1."""
    tokenizer, model = bertkit.load(family_paths["roberta"])
    assert model.config.type_vocab_size == 1 and "token_type_ids" in tokenizer("a", "b")
    texts, pairs = ["첫 문장입니다", "the first one"], ["두 번째 문장", "and the second"]
    with pytest.warns(UserWarning, match=r"type_vocab_size == 1.*return_token_type_ids=False"):
        enc, out = bertkit.run(tokenizer, model, texts, pairs)
    assert "token_type_ids" not in enc
    reference = tokenizer(texts, pairs, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        expected = model(**reference).last_hidden_state
    torch.testing.assert_close(out.last_hidden_state, expected, atol=1e-6, rtol=0)


def test_all_zero_type_ids_are_dropped_silently(family_paths):
    tokenizer, model = bertkit.load(family_paths["roberta"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = bertkit.encode(tokenizer, ["one text", "another"], model=model)
    assert "token_type_ids" not in enc
    # without a model nothing is dropped: encode can't know what the ids will meet
    assert "token_type_ids" in bertkit.encode(tokenizer, ["one text"])


def test_a_model_with_token_types_keeps_them(tokenizer, model):
    enc = bertkit.encode(tokenizer, ["a"], ["b"], model=model)
    assert enc["token_type_ids"].max() == 1


def test_encode_keeps_the_word_alignment_of_a_fast_tokenizer(tokenizer):
    """word_ids()/char_to_token() work on encode's result as on the tokenizer's own padded batch."""
    texts = ["Tokenization splits words", "Hi"]
    ours = bertkit.encode(tokenizer, texts)
    reference = tokenizer(texts, padding=True, return_tensors="pt")
    for i in range(len(texts)):
        assert ours.word_ids(i) == reference.word_ids(i)
        assert ours.tokens(i) == reference.tokens(i)
    assert ours.char_to_token(0, 3) == reference.char_to_token(0, 3)


def test_truncated_encode_keeps_the_word_alignment_of_its_first_window(tokenizer):
    long = " ".join(["word"] * 40)
    ours = bertkit.encode(tokenizer, [long, "short"], max_length=16, long_texts="truncate")
    reference = tokenizer([long, "short"], padding=True, truncation=True, max_length=16, return_tensors="pt")
    torch.testing.assert_close(ours["input_ids"], reference["input_ids"])
    assert ours.word_ids(0) == reference.word_ids(0) and ours.word_ids(1) == reference.word_ids(1)
