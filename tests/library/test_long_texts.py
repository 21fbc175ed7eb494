"""bertkit.long_texts: one long-text policy for encode/run and extract, checked against hand computations,
the tokenizer itself and sentence-transformers."""

import warnings

import numpy as np
import pytest
import torch

import bertkit
from bertkit.book import load_reviews
from bertkit.long_texts import check_policy, pool_chunks, tokenize_long


@pytest.fixture(scope="module")
def long_text():
    """About 480 tokens: the book's English reviews, concatenated (no downloads)."""
    return " ".join(load_reviews("en")[0][:40])


def _ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


# -- the windows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("max_length", "stride"), [(16, 0), (16, 5), (64, 16), (30, 27)])
def test_windows_are_the_token_ids_sliced_by_hand(tokenizer, long_text, max_length, stride):
    content = _ids(tokenizer, long_text)
    enc, doc, windows = tokenize_long(
        tokenizer, ["short text", long_text], max_length=max_length, long_texts="chunk", stride=stride
    )
    width, step = max_length - 2, max_length - 2 - stride
    by_hand = [content[i : i + width] for i in range(0, len(content), step)]
    while len(by_hand) > 1 and len(by_hand[-1]) <= stride:  # a last window inside the previous one adds nothing
        by_hand.pop()
    rows = [r for r, d in enumerate(doc) if d == 1]
    assert doc[0] == 0 and doc.count(0) == 1 and windows == [1, len(by_hand)]
    assert [enc["input_ids"][r] for r in rows] == [
        [tokenizer.cls_token_id, *piece, tokenizer.sep_token_id] for piece in by_hand
    ]
    assert all(len(enc["input_ids"][r]) <= max_length for r in rows)


def test_truncate_is_the_tokenizers_own_truncation(tokenizer, long_text):
    texts = ["short text", long_text, "another short one"]
    enc, doc, windows = tokenize_long(tokenizer, texts, max_length=40, long_texts="truncate")
    reference = tokenizer(texts, truncation=True, max_length=40)
    assert doc == [0, 1, 2] and windows[1] > 1 and windows[0] == windows[2] == 1
    for key in reference:
        assert enc[key] == reference[key], key


def test_error_names_the_text_and_its_real_token_count(tokenizer, long_text):
    n_tokens = len(tokenizer(long_text)["input_ids"])
    with pytest.raises(ValueError, match=rf"texts\[1\] is longer than max_length=40 tokens: it has {n_tokens} "):
        tokenize_long(tokenizer, ["short", long_text], max_length=40)


@pytest.mark.parametrize(
    ("policy", "stride", "match"),
    [
        ("chunk", 14, "stride=14 must be smaller than the window: max_length=16 leaves 14"),
        ("chunk", 20, "stride=20 must be smaller than the window"),
        ("chunk", -1, "non-negative"),
        ("truncate", 4, "only applies to long_texts='chunk'"),
        ("split", 0, "not one of"),
    ],
)
def test_bad_policy_or_stride_is_refused_with_a_clear_error(tokenizer, model, policy, stride, match):
    with pytest.raises(ValueError, match=match):
        check_policy(policy, stride, 16)
    with pytest.raises(ValueError, match=match):
        bertkit.encode(tokenizer, ["some text"], model=model, max_length=16, long_texts=policy, stride=stride)
    with pytest.raises(ValueError, match=match):
        bertkit.extract(
            ["some text"],
            model=model,
            tokenizer=tokenizer,
            max_length=16,
            long_texts=policy,
            stride=stride,
            progress=False,
        )


def test_pairs_cannot_be_chunked(tokenizer, model):
    with pytest.raises(ValueError, match="single texts"):
        bertkit.encode(tokenizer, ["a"], ["b"], model=model, long_texts="chunk")


# -- pooling windows back into documents -------------------------------------------------------------------


def test_pool_chunks_equals_the_weighted_mean_and_the_max_by_hand():
    g = torch.Generator().manual_seed(0)
    vectors = torch.randn(5, 2, 3, generator=g)  # 5 windows, 2 layers, hidden 3
    weights = torch.tensor([4, 2, 7, 3, 1])
    doc = [0, 0, 1, 2, 2]
    mean = pool_chunks(vectors, weights, doc, 3, "mean")
    by_hand = torch.stack(
        [
            (4 * vectors[0] + 2 * vectors[1]) / 6,
            vectors[2],
            (3 * vectors[3] + 1 * vectors[4]) / 4,
        ]
    )
    torch.testing.assert_close(mean, by_hand)
    highest = pool_chunks(vectors, weights, doc, 3, "max")
    torch.testing.assert_close(highest, torch.stack([vectors[:2].amax(0), vectors[2], vectors[3:].amax(0)]))
    with pytest.raises(ValueError, match="at least one window"):
        pool_chunks(vectors, weights, [0, 0, 2, 2, 2], 3)


@pytest.mark.parametrize("pooling", ["mean", "max", "mean_sqrt_len"])
def test_chunked_extract_equals_the_windows_run_by_hand(tokenizer, model, long_text, pooling):
    max_length, stride = 64, 16
    texts = ["A short review.", long_text]
    got = bertkit.extract(
        texts,
        model=model,
        tokenizer=tokenizer,
        max_length=max_length,
        long_texts="chunk",
        stride=stride,
        pooling=pooling,
        layers=[0, -1],
        progress=False,
        batch_size=3,
    )
    enc = tokenizer(
        texts,
        truncation=True,
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        padding=True,
        return_tensors="pt",
    )
    doc = enc.pop("overflow_to_sample_mapping")
    with torch.inference_mode():
        hidden = model(**enc, output_hidden_states=True).hidden_states
    mask = enc["attention_mask"].unsqueeze(-1).float()
    for t in range(len(texts)):
        rows = (doc == t).nonzero().flatten()
        expected = []
        for layer in (0, -1):
            h, m = hidden[layer][rows], mask[rows]
            if pooling == "mean":  # every real token of every window, overlaps counted twice
                expected.append((h * m).sum((0, 1)) / m.sum())
            elif pooling == "max":
                expected.append(h.masked_fill(m == 0, -torch.inf).amax((0, 1)))
            else:  # the sum of every real token over the square root of their number: sqrt(N) over the whole text
                expected.append((h * m).sum((0, 1)) / m.sum().sqrt())
        np.testing.assert_allclose(got[t], torch.stack(expected).numpy(), atol=2e-5, rtol=0)
    assert (doc == 1).sum() > 1, "the long text must fill several windows"


def test_cls_pooling_of_chunked_texts_is_refused(tokenizer, model, long_text):
    """Averaging the windows' [CLS] vectors is not the text's [CLS] vector: refused with what to do (as flair)."""
    with pytest.raises(ValueError, match="long_texts='truncate'"):
        bertkit.extract(["A short review.", long_text], model=model, tokenizer=tokenizer, max_length=64,
                        long_texts="chunk", stride=16, pooling="cls", progress=False)
    with pytest.raises(ValueError, match="pooling='mean'"):
        pool_chunks(torch.ones(2, 3), torch.tensor([4, 2]), [0, 0], 1, "cls")


def test_pool_chunks_keeps_the_sqrt_scaling_of_mean_sqrt_len():
    """Two windows of 4 and 9 tokens: the text's vector is (sum of all 13 tokens) / sqrt(13)."""
    g = torch.Generator().manual_seed(0)
    tokens = torch.randn(13, 3, generator=g)
    windows = torch.stack([tokens[:4].sum(0) / 2, tokens[4:].sum(0) / 3])  # each window's mean_sqrt_len vector
    got = pool_chunks(windows, torch.tensor([4, 9]), [0, 0], 1, "mean_sqrt_len")
    torch.testing.assert_close(got[0], tokens.sum(0) / 13**0.5)


def test_encode_and_run_chunk_with_the_sample_mapping(tokenizer, model, long_text):
    enc, out = bertkit.run(tokenizer, model, ["short", long_text], max_length=64, long_texts="chunk", stride=8)
    doc = enc["overflow_to_sample_mapping"]
    assert doc[0] == 0 and (doc == 1).sum() > 1
    assert out.last_hidden_state.shape[:2] == enc["input_ids"].shape


# -- the drift items of issue 11 (each fails on the code before the shared policy) -------------------------


def test_the_default_limit_comes_from_the_config_and_tokenizer_files(tokenizer, model):
    """sentence-transformers' max_seq_length is the recipe's: the limit is the same before and after a
    SentenceTransformer has run (before 0.3 it read sentence_bert_config.json only when something cached it)."""
    from sentence_transformers import SentenceTransformer

    before = bertkit.max_input_length(tokenizer, model)
    st = SentenceTransformer(bertkit.resolve_checkpoint(), device="cpu")
    assert bertkit.max_input_length(tokenizer, model) == before
    assert before == min(tokenizer.model_max_length, model.config.max_position_embeddings)
    assert bertkit.sentence_recipe(tokenizer, model).max_length == st.max_seq_length < before


def test_the_limit_of_a_roberta_counts_its_padding_offset(tmp_path):
    """Position ids start at pad_token_id + 1 in the RoBERTa family: read from the model, not assumed to be 2."""
    from transformers import RobertaConfig, RobertaModel

    config = RobertaConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=16, max_position_embeddings=40, pad_token_id=4)
    model = RobertaModel(config)
    tokenizer = bertkit.load_tokenizer(bertkit.resolve_checkpoint())
    assert bertkit.position_limit(tokenizer, model) == 40 - 5
    ids = torch.full((1, 35), 7)
    model(input_ids=ids)  # the longest input it can read
    with pytest.raises((IndexError, RuntimeError)):  # one position more is outside the table
        model(input_ids=torch.full((1, 36), 7))


def test_extract_equals_sentence_transformers_beyond_its_length(tokenizer, model, long_text):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(bertkit.resolve_checkpoint(), device="cpu")
    texts = ["A short review.", long_text]
    assert len(tokenizer(long_text)["input_ids"]) > st.max_seq_length
    length = bertkit.sentence_recipe(tokenizer, model).max_length  # sentence-transformers' max_seq_length
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the truncation warning
        ours = bertkit.extract(texts, model=model, tokenizer=tokenizer, progress=False, max_length=length,
                               long_texts="truncate")[:, 0]
        enc, out = bertkit.run(tokenizer, model, texts, long_texts="truncate", max_length=length)
    ours_run = bertkit.pool(out.last_hidden_state, enc["attention_mask"], "mean")
    reference = st.encode(texts, normalize_embeddings=False)  # the pipeline's Normalize still applies
    for vectors in (ours, ours_run.numpy()):
        normed = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        np.testing.assert_allclose(normed, reference, atol=1e-5, rtol=0)


def test_encode_and_extract_share_one_rule(tokenizer, model):
    long_text = " ".join(load_reviews("en")[0][:120])  # longer than the position table
    for bad in (100.5, True, 0, bertkit.position_limit(tokenizer, model) + 1):
        with pytest.raises(ValueError, match="the range this model can read"):
            bertkit.encode(tokenizer, "hello", model=model, max_length=bad)
        with pytest.raises(ValueError, match="the range this model can read"):
            bertkit.extract(["hello"], model=model, tokenizer=tokenizer, max_length=bad, progress=False)
    for call in (
        lambda: bertkit.encode(tokenizer, ["short", long_text], model=model, long_texts="error"),
        lambda: bertkit.extract(
            ["short", long_text], model=model, tokenizer=tokenizer, long_texts="error", progress=False
        ),
    ):
        limit = bertkit.max_input_length(tokenizer, model)
        with pytest.raises(ValueError, match=rf"texts\[1\] is longer than max_length={limit}"):
            call()


def test_encode_tokenizes_once(tokenizer, model, long_text, monkeypatch):
    calls = []
    original = type(tokenizer).__call__

    def counting(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(tokenizer), "__call__", counting)
    with pytest.warns(UserWarning, match="Truncated 1 of 2"):
        bertkit.encode(tokenizer, ["short", long_text], model=model, long_texts="truncate", max_length=128)
    assert len(calls) == 1, calls


def test_a_tokenizer_that_cannot_map_windows_gets_a_clear_error(tokenizer):
    class SlowLike:  # what a Python (slow) tokenizer returns: no overflow_to_sample_mapping
        def num_special_tokens_to_add(self, pair=False):
            return tokenizer.num_special_tokens_to_add(pair=pair)

        def __call__(self, *args, **kwargs):
            enc = tokenizer(*args, **kwargs)
            enc.pop("overflow_to_sample_mapping", None)
            return enc

    with pytest.raises(TypeError, match="needs a fast one"):
        tokenize_long(SlowLike(), ["some text"], max_length=16)
