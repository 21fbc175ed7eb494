"""word_vectors against a hand computation: plain transformers on each text alone, pieces found by tokenizing each
word on its own (not through word_ids or offsets), then the pooling written out."""

import itertools
import re

import pytest
import torch
from torch.testing import assert_close

import bertkit
from bertkit.words import LAYER_POOLING, SUBTOKEN_POOLING, whitespace_spans, word_vectors
from families import OTHER_KINDS

# words that split into many pieces, next to one-piece words and punctuation
TEXT = "Pneumonoultramicroscopicsilicovolcanoconiosis is unbelievably rare, said the doctor."
SHORT = "I sat on the bank."


def _hand_words(tokenizer, text):
    """(word, token positions) per word: the bundled BertPreTokenizer splits at whitespace and punctuation."""
    words, pos = [], 1  # position 0 is [CLS]
    for word in re.findall(r"\w+|[^\w\s]", text):
        n = len(tokenizer.tokenize(word))
        words.append((word, list(range(pos, pos + n))))
        pos += n
    return words


def _hand_states(tokenizer, model, text):
    with torch.no_grad():
        out = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True)
    return torch.stack(out.hidden_states)[:, 0]  # (L+1, seq, hidden)


def _hand_vector(states, layers, layer_pooling, positions, subtoken_pooling):
    """Layers first, then pieces, as flair does: for first_last the two pieces' (layer-combined) vectors are
    concatenated, so with layer concat the result is [first of every layer, last of every layer]."""
    chosen = [states[layer] for layer in layers]  # each (seq, hidden)
    if layer_pooling == "concat":
        tokens = torch.cat(chosen, dim=-1)
    else:
        tokens = sum(chosen) / (len(layers) if layer_pooling == "mean" else 1)
    pieces = tokens[positions]  # (n_pieces, dim)
    return {
        "first": pieces[0],
        "last": pieces[-1],
        "first_last": torch.cat([pieces[0], pieces[-1]]),
        "mean": pieces.sum(0) / len(positions),
    }[subtoken_pooling]


MODES = list(itertools.product(SUBTOKEN_POOLING, LAYER_POOLING))


@pytest.mark.parametrize(("subtoken_pooling", "layer_pooling"), MODES)
def test_every_mode_equals_the_hand_computation(tokenizer, model, subtoken_pooling, layer_pooling):
    last_four = [-4, -3, -2, -1]  # the BERT paper's / McCormick's last four layers
    n_states = model.config.num_hidden_layers + 1
    got = word_vectors(tokenizer, model, TEXT, layers=last_four, layer_pooling=layer_pooling,
                       subtoken_pooling=subtoken_pooling)[0]
    hand = _hand_words(tokenizer, TEXT)
    assert list(got.words) == [w for w, _ in hand]
    assert max(len(p) for _, p in hand) >= 8, "the test text must have a word of many pieces"
    states = _hand_states(tokenizer, model, TEXT)
    expected = torch.stack([
        _hand_vector(states, [n_states + i for i in last_four], layer_pooling, p, subtoken_pooling) for _, p in hand
    ])
    assert_close(got.vectors, expected, rtol=1e-5, atol=1e-5)
    dim = model.config.hidden_size * (4 if layer_pooling == "concat" else 1)
    dim *= 2 if subtoken_pooling == "first_last" else 1
    assert got.vectors.shape == (len(hand), dim)


def test_words_spans_and_pieces_line_up(tokenizer, model):
    got = word_vectors(tokenizer, model, TEXT)[0]
    for word, (a, b), pieces in zip(got.words, got.spans, got.pieces):
        assert TEXT[a:b] == word
        assert "".join(p.removeprefix("##") for p in pieces) == word.lower()
    assert got.find("doctor") == [len(got) - 2]


def test_same_vectors_alone_and_in_a_padded_batch(tokenizer, model):
    kwargs = dict(layers=slice(-4, None), layer_pooling="sum", subtoken_pooling="mean")
    batch = word_vectors(tokenizer, model, [SHORT, TEXT, "Hi"], batch_size=3, **kwargs)
    for text, together in zip([SHORT, TEXT, "Hi"], batch):
        alone = word_vectors(tokenizer, model, text, **kwargs)[0]
        assert alone.words == together.words
        assert_close(together.vectors, alone.vectors, rtol=1e-4, atol=1e-5)


def test_caller_spans_equal_the_pieces_they_cover(tokenizer, model):
    words = word_vectors(tokenizer, model, TEXT, subtoken_pooling="mean")[0]
    spans = word_vectors(tokenizer, model, TEXT, spans=[list(words.spans)], subtoken_pooling="mean")[0]
    assert_close(spans.vectors, words.vectors)
    # a span of two words is the mean of both words' pieces
    start, end = TEXT.index("the doctor"), TEXT.index("the doctor") + len("the doctor")
    two = word_vectors(tokenizer, model, TEXT, spans=[[(start, end)]], subtoken_pooling="mean")[0]
    states = _hand_states(tokenizer, model, TEXT)
    positions = [p for w, ps in _hand_words(tokenizer, TEXT) if w in ("the", "doctor") for p in ps]
    assert_close(two.vectors[0], states[-1, positions].mean(0), rtol=1e-5, atol=1e-5)


def test_whitespace_spans():
    assert whitespace_spans(" 배가  고파서 배를.") == [(1, 3), (5, 8), (9, 12)]


def test_word_index_outside_the_text(tokenizer, model):
    got = word_vectors(tokenizer, model, SHORT)[0]
    assert_close(got.vector(-1), got.vectors[len(got) - 1])
    with pytest.raises(ValueError, match="outside this text, which has 6 words"):
        got.vector(6)


@pytest.mark.parametrize("bad", [[(0, 0)], [(3, 2)], [(0, 99)], [(-1, 2)], [(0, 1.5)], [5]])
def test_spans_outside_the_text_or_malformed(tokenizer, model, bad):
    with pytest.raises(ValueError, match="span"):
        word_vectors(tokenizer, model, SHORT, spans=[bad])


def test_span_that_cuts_a_piece(tokenizer, model):
    start = TEXT.index("unbelievably")
    with pytest.raises(ValueError, match=r"cuts the piece 'un'.*Widen the span"):
        word_vectors(tokenizer, model, TEXT, spans=[[(start, start + 1)]])


def test_one_list_of_spans_per_text(tokenizer, model):
    with pytest.raises(ValueError, match="one list of"):
        word_vectors(tokenizer, model, [SHORT, TEXT], spans=[[(0, 1)]])
    with pytest.raises(ValueError, match="covers no token"):
        word_vectors(tokenizer, model, SHORT, spans=[[(1, 2)]])  # a space


def test_unknown_modes(tokenizer, model):
    for kwargs in (dict(subtoken_pooling="max"), dict(layer_pooling="weighted"), dict(long_texts="chunks")):
        with pytest.raises(ValueError, match="Valid"):
            word_vectors(tokenizer, model, SHORT, **kwargs)
    with pytest.raises(IndexError, match="does not exist"):
        word_vectors(tokenizer, model, SHORT, layers=model.config.num_hidden_layers + 1)


def test_long_texts_error_or_truncate(tokenizer, model):
    with pytest.raises(ValueError, match="long_texts='truncate'"):
        word_vectors(tokenizer, model, TEXT, max_length=20)
    with pytest.warns(UserWarning, match="Dropped"):
        cut = word_vectors(tokenizer, model, [TEXT, SHORT], max_length=20, long_texts="truncate")
    full = word_vectors(tokenizer, model, SHORT)[0]
    assert cut[1].words == full.words  # the short text is untouched
    hand = _hand_words(tokenizer, TEXT)
    kept = [w for w, p in hand if p[-1] <= 18]  # positions 1..18 fit between [CLS] and [SEP]
    assert list(cut[0].words) == kept and 0 < len(kept) < len(hand)


def test_every_family(family):
    _, tokenizer, model = family  # conftest's session fixture: each family's tiny checkpoint, built once
    text = "배가 고파서 배를 깎아 먹었다. The bank was closed."
    for pooling in SUBTOKEN_POOLING:
        got = word_vectors(tokenizer, model, [text, "배"], layers="all", layer_pooling="mean",
                           subtoken_pooling=pooling, batch_size=2)[0]
        with torch.no_grad():
            out = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True)
        states = torch.stack(out.hidden_states).mean(0)[0]  # (seq, hidden)
        enc = tokenizer(text, return_offsets_mapping=True)
        for (a, b), vector in zip(got.spans, got.vectors):
            positions = [i for i, (s, e) in enumerate(enc["offset_mapping"]) if e > s and a <= s and e <= b]
            pieces = states[positions]
            expected = {"first": pieces[0], "last": pieces[-1], "first_last": torch.cat([pieces[0], pieces[-1]]),
                        "mean": pieces.mean(0)}[pooling]
            assert_close(vector, expected, rtol=1e-4, atol=1e-5)
    eojeol = word_vectors(tokenizer, model, text, spans=[whitespace_spans(text)])[0]
    assert eojeol.words[:2] == ("배가", "고파서")


def test_widen_grows_a_cutting_span_to_whole_pieces(tokenizer, model):
    start = TEXT.index("unbelievably")
    widened = word_vectors(tokenizer, model, TEXT, spans=[[(start, start + 1)]], cut_pieces="widen")[0]
    assert widened.spans == ((start, start + 2),) and widened.pieces == (("un",),)  # 'un' is (start, start+2)
    whole = word_vectors(tokenizer, model, TEXT, spans=[[(start, start + 2)]])[0]
    assert_close(widened.vectors, whole.vectors)
    with pytest.raises(ValueError, match="cut_pieces"):
        word_vectors(tokenizer, model, TEXT, spans=[[(start, start + 1)]], cut_pieces="snap")


def test_chunk_reads_a_long_text_in_windows(tokenizer, model):
    """Each piece comes from the window where it has the most context on its shorter side (BERT's SQuAD rule),
    computed here by running every window alone."""
    max_length, stride = 12, 4
    windows = tokenizer(TEXT, truncation=True, max_length=max_length, stride=stride, return_overflowing_tokens=True)
    assert len(windows["input_ids"]) > 2
    per_window = []  # (first content index, content vectors (n, hidden)) per window
    first = 0
    for ids in windows["input_ids"]:
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]))
        per_window.append((first, out.last_hidden_state[0, 1:-1]))  # [CLS] ... [SEP]
        first += len(ids) - 2 - stride
    hand = _hand_words(tokenizer, TEXT)
    expected = []
    for _, positions in hand:
        vectors = []
        for p in positions:
            c = p - 1
            score, vector = max(
                (min(c - s, s + len(v) - 1 - c) + 0.01 * len(v), v[c - s]) for s, v in per_window if s <= c < s + len(v)
            )
            vectors.append(vector)
        expected.append(torch.stack(vectors).mean(0))
    got = word_vectors(tokenizer, model, TEXT, subtoken_pooling="mean", long_texts="chunk", stride=stride,
                       max_length=max_length)[0]
    assert len(got) == len(hand)
    assert_close(got.vectors, torch.stack(expected), rtol=1e-5, atol=1e-5)
    whole = word_vectors(tokenizer, model, TEXT, long_texts="chunk", stride=stride)[0]  # fits: one window
    assert_close(whole.vectors, word_vectors(tokenizer, model, TEXT)[0].vectors)
    with pytest.raises(ValueError, match="stride"):
        word_vectors(tokenizer, model, TEXT, long_texts="chunk", stride=10, max_length=12)


def test_unknown_pieces_are_words_too(tokenizer, model):
    """The bundled English vocabulary turns some Korean 어절 into one [UNK]: it is a piece like any other."""
    text = "배가 고파서 배를 깎아 먹었다."
    assert tokenizer.unk_token in tokenizer.tokenize(text)
    got = word_vectors(tokenizer, model, text, spans=[whitespace_spans(text)], subtoken_pooling="mean")[0]
    assert got.words == ("배가", "고파서", "배를", "깎아", "먹었다.")
    assert got.pieces[3] == (tokenizer.unk_token,)
    states = _hand_states(tokenizer, model, text)
    unk = tokenizer(text)["input_ids"].index(tokenizer.unk_token_id)
    assert_close(got.vectors[3], states[-1, unk], rtol=1e-5, atol=1e-5)


def test_kiwipiepy_morphemes_load_offline_and_widen_over_unknown_pieces(tokenizer, model):
    """kiwipiepy's model ships as a package (the network guard in conftest refuses any download); its morpheme
    spans inside an [UNK] 어절 widen to the whole 어절 on the bundled English vocabulary."""
    from kiwipiepy import Kiwi

    text = "배가 고파서 배를 깎아 먹었다."
    spans = [(m.start, m.start + m.len) for m in Kiwi().tokenize(text)]
    assert (10, 11) in spans  # 깎, inside the [UNK] piece of 깎아 (10, 12)
    with pytest.raises(ValueError, match="cuts the piece"):
        word_vectors(tokenizer, model, text, spans=[spans])
    got = word_vectors(tokenizer, model, text, spans=[spans], cut_pieces="widen")[0]
    assert got.spans[spans.index((10, 11))] == (10, 12) and len(got) == len(spans)


# -- every tokenizer kind: SentencePiece (▁) and byte-level BPE (Ġ, Hangul as bytes) -----------------------------

MARKERS = ("\u2581", "\u0120")  # a lone SentencePiece word start or byte-level space: no character of the text


@pytest.fixture(scope="module", params=OTHER_KINDS)
def kind(request, family_paths):
    """(name, tokenizer, model) of the Unigram (XLM-R, e5-small-style BERT) and byte-level BPE test checkpoints."""
    return (request.param, *bertkit.load(family_paths[request.param]))


def _expected(tokenizer, model, text, spans, pooling):
    """By hand: each span's pieces are those whose offsets lie inside it, less empty pieces and lone markers."""
    with torch.no_grad():
        out = model(**tokenizer(text, return_tensors="pt"), output_hidden_states=True)
    enc = tokenizer(text, return_offsets_mapping=True)
    tokens = enc.tokens()
    vectors = []
    for a, b in spans:
        positions = [i for i, (s, e) in enumerate(enc["offset_mapping"])
                     if e > s and a <= s and e <= b and tokens[i] not in MARKERS and text[s:e].strip()]
        pieces = out.last_hidden_state[0, positions]
        vectors.append({"first": pieces[0], "last": pieces[-1], "mean": pieces.mean(0)}[pooling])
    return torch.stack(vectors)


@pytest.mark.parametrize("text", ["Hello  world! Paris", "tab\there", "오늘 본 영화는  정말 좋았다.", " 앞뒤 공백 "])
@pytest.mark.parametrize("pooling", ["first", "last", "mean"])
def test_no_empty_or_whitespace_word_and_first_means_a_piece_with_characters(kind, text, pooling):
    _, tokenizer, model = kind
    got = word_vectors(tokenizer, model, text, subtoken_pooling=pooling)[0]
    assert all(word and word == word.strip() for word in got.words), got.words
    assert "".join(got.words) == "".join(text.split())  # every character is in exactly one word
    assert not any(piece in MARKERS for pieces in got.pieces for piece in pieces)
    assert_close(got.vectors, _expected(tokenizer, model, text, got.spans, pooling), rtol=1e-5, atol=1e-5)


def test_byte_level_pieces_split_syllables_and_spans_still_work(family_paths):
    """'늘' is two byte-level pieces with the same offsets; morpheme spans (kiwipiepy) pool them together."""
    from kiwipiepy import Kiwi

    tokenizer, model = bertkit.load(family_paths["roberta_bpe"])
    text = "오늘 본 영화는 배우들의 연기가 정말 좋았습니다."
    offsets = tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
    assert any(offsets.count(o) > 1 and o[1] - o[0] == 1 for o in offsets), "a syllable split across pieces"
    spans = [(m.start, m.start + m.len) for m in Kiwi().tokenize(text)]
    got = word_vectors(tokenizer, model, text, spans=[spans], subtoken_pooling="mean", cut_pieces="widen")[0]
    assert len(got) == len(spans)
    assert_close(got.vectors, _expected(tokenizer, model, text, got.spans, "mean"), rtol=1e-5, atol=1e-5)


def test_unigram_lone_word_start_is_not_the_first_piece(family_paths):
    tokenizer, model = bertkit.load(family_paths["xlmr_unigram"])
    text = "오늘 본 영화"
    assert "\u2581" in tokenizer.tokenize(text)  # '▁' '본': the marker is a piece of its own, with 본's offsets
    got = word_vectors(tokenizer, model, text, subtoken_pooling="first")[0]
    assert got.words == ("오늘", "본", "영화") and got.pieces[1] == ("본",)


# -- the model's mode, rows per forward pass, and transformers' length message (issue 19, bug 2 and 6) ------------


def test_dropout_is_off_and_the_training_mode_comes_back(family_paths):
    tokenizer, model = bertkit.load(family_paths["roberta_bpe"])
    model.train()  # dropout on: the random-weight model has hidden_dropout_prob 0.1
    first = word_vectors(tokenizer, model, TEXT)[0].vectors
    assert_close(word_vectors(tokenizer, model, TEXT)[0].vectors, first, rtol=0, atol=0)
    assert model.training


def test_batch_size_caps_the_windows_per_forward_pass(tokenizer, model):
    rows: list[int] = []
    hook = model.register_forward_pre_hook(lambda m, args, kwargs: rows.append(kwargs["input_ids"].shape[0]),
                                           with_kwargs=True)
    try:
        word_vectors(tokenizer, model, [TEXT, SHORT], long_texts="chunk", max_length=12, stride=4, batch_size=2)
    finally:
        hook.remove()
    n_windows = len(tokenizer([TEXT, SHORT], truncation=True, max_length=12, stride=4,
                              return_overflowing_tokens=True)["input_ids"])
    assert max(rows) <= 2 and sum(rows) == n_windows > 2


def test_chunk_mode_prints_no_sequence_length_message(family_paths, capfd):
    tokenizer, model = bertkit.load(family_paths["bert"])  # a fresh tokenizer: transformers says it once per tokenizer
    long = " ".join(["영화가 정말 좋았다."] * 300)
    assert len(tokenizer(long, verbose=False)["input_ids"]) > tokenizer.model_max_length
    word_vectors(tokenizer, model, long, long_texts="chunk", stride=32)
    assert "Token indices sequence length" not in capfd.readouterr().err


def test_texts_come_third(tokenizer, model):
    with pytest.raises(TypeError, match="texts come third"):
        word_vectors(SHORT, tokenizer, model)


def test_only_the_layers_asked_for_are_computed(tokenizer, model):
    """layers=0 (the embeddings) runs no encoder block; the vectors still equal the hand computation."""
    from bertkit.forward import block_names

    word_vectors(tokenizer, model, SHORT, layers=0)  # the first pass per model checks hooks against hidden_states
    ran: list[str] = []
    blocks = block_names(model.base_model)
    hooks = [model.base_model.get_submodule(name).register_forward_hook(lambda m, i, o, name=name: ran.append(name))
             for name in blocks]
    try:
        got = word_vectors(tokenizer, model, TEXT, layers=0, subtoken_pooling="mean")[0]
    finally:
        for hook in hooks:
            hook.remove()
    assert ran == []
    states = _hand_states(tokenizer, model, TEXT)
    expected = torch.stack([states[0, p].mean(0) for _, p in _hand_words(tokenizer, TEXT)])
    assert_close(got.vectors, expected, rtol=1e-5, atol=1e-5)
