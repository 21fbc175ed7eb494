"""bertkit.extract and ``python -m bertkit extract``, checked against the model run by hand, one text at a time."""

import io
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import bertkit
import bertkit.batching
import bertkit.extract_setup
import bertkit.extraction as extract_module
from bertkit.__main__ import main, parse_layers
from bertkit.extraction import extract, token_vectors

# Lengths deliberately out of order (and two of the same length), so sorting into batches must be undone.
TEXTS = [
    "A short one.",
    "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon in late May.",
    "Hi",
    "Embeddings from every encoder layer differ, and the last layer is not always the best one.",
    "Paris is lovely.",
    "Seoul is lovely.",
    "Padding must never change what a sentence vector is, whatever else is in the batch.",
    "ok then",
    "Mean pooling averages the real tokens only.",
]


def _reference(model, tokenizer, text, max_length=None):
    """Every hidden state of one text run alone (no padding): tuple of (n_tokens, hidden)."""
    enc = tokenizer(text, return_tensors="pt", truncation=max_length is not None, max_length=max_length)
    with torch.inference_mode():
        hidden = model(**enc, output_hidden_states=True).hidden_states
    return [h[0] for h in hidden]


def _pool_by_hand(tokens, mode):
    if mode == "cls":
        return tokens[0]
    if mode == "max":
        return tokens.max(dim=0).values
    if mode == "mean":
        return tokens.mean(dim=0)
    return tokens.sum(dim=0) / len(tokens) ** 0.5


@pytest.fixture(scope="module")
def references(model, tokenizer):
    return [_reference(model, tokenizer, t) for t in TEXTS]


@pytest.fixture
def run(model, tokenizer):
    """extract() with the session's model, no progress bar."""

    def call(texts, **kwargs):
        kwargs.setdefault("pooling", "mean")  # compared with a mean by hand; pooling="auto": tests/library/test_extract_recipe.py
        return extract(texts, model=model, tokenizer=tokenizer, progress=False, **kwargs)

    return call


@pytest.fixture
def small_windows(monkeypatch):
    """Blocks of 4 texts, so a few texts exercise the reading, sorting and writing of several blocks."""
    monkeypatch.setattr(bertkit.batching, "BLOCK_SIZE", 4)


@pytest.mark.parametrize("mode", bertkit.POOLING)
def test_equals_each_text_run_alone(run, references, mode):
    vectors = run(TEXTS, layers="all", pooling=mode, batch_size=4)
    n_states = len(references[0])
    assert vectors.shape == (len(TEXTS), n_states, references[0][0].shape[-1])
    assert vectors.dtype == np.float32
    expected = np.stack([[_pool_by_hand(h, mode).numpy() for h in ref] for ref in references])
    np.testing.assert_allclose(vectors, expected, atol=1e-5, rtol=0)


def test_input_order_is_restored_across_windows_and_batches(run, small_windows):
    forward = run(TEXTS, batch_size=3)
    backward = run(TEXTS[::-1], batch_size=2)
    np.testing.assert_allclose(backward[::-1], forward, atol=1e-5, rtol=0)
    # Every text gets its own row: rows of different texts differ.
    assert len({row.tobytes() for row in forward.round(4)}) == len(TEXTS)


@pytest.mark.parametrize(
    "layers", [-1, 0, 3, -2, [0, 3, 6], [-1, 0], [2, 2], slice(-4, None), slice(1, 5, 2), "all"]
)
def test_layer_specs(run, references, layers):
    n_states = len(references[0])
    picked = bertkit.layer_indices(n_states, layers)
    vectors = run(TEXTS, layers=layers)
    assert vectors.shape[1] == len(picked), "nothing is squeezed, the layers are in the order asked"
    expected = np.stack([[ref[i].mean(dim=0).numpy() for i in picked] for ref in references])
    np.testing.assert_allclose(vectors, expected, atol=1e-5, rtol=0)


def test_a_task_model_gives_its_encoders_vectors(tokenizer, model, references):
    head_tokenizer, classifier = bertkit.load(head="sequence-classification", num_labels=2)
    vectors = extract(TEXTS, model=classifier, tokenizer=head_tokenizer, layers=-1, pooling="mean", progress=False)
    expected = np.stack([ref[-1].mean(dim=0).numpy() for ref in references])
    np.testing.assert_allclose(vectors[:, 0], expected, atol=1e-5, rtol=0)


def test_token_vectors_have_each_texts_real_length(model, tokenizer, references):
    tokens = token_vectors(TEXTS, model=model, tokenizer=tokenizer, layers=[-1, 0], batch_size=4, progress=False)
    assert isinstance(tokens, list) and len(tokens) == len(TEXTS)
    for array, ref in zip(tokens, references):
        assert array.shape == (len(ref[-1]), 2, ref[-1].shape[-1]), "no padding rows"
        np.testing.assert_allclose(array[:, 0], ref[-1].numpy(), atol=1e-5, rtol=0)
        np.testing.assert_allclose(array[:, 1], ref[0].numpy(), atol=1e-5, rtol=0)


def test_streaming_to_a_file_equals_in_memory(run, tmp_path, small_windows):
    in_memory = run(TEXTS, layers=slice(-3, None), batch_size=3)
    path = tmp_path / "vectors.npy"
    on_disk = run(iter(TEXTS), layers=slice(-3, None), batch_size=3, out=path)
    assert isinstance(on_disk, np.memmap) and not on_disk.flags.writeable
    assert os.listdir(tmp_path) == ["vectors.npy"], "no partial file is left behind"
    loaded = np.load(path)
    assert loaded.shape == in_memory.shape and loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, in_memory)


def test_float16_halves_the_file(run, tmp_path):
    full = run(TEXTS, layers="all", out=tmp_path / "full.npy")
    half = run(TEXTS, layers="all", out=tmp_path / "half.npy", output_dtype="float16")
    assert half.dtype == np.float16
    header = os.path.getsize(tmp_path / "full.npy") - full.nbytes
    assert os.path.getsize(tmp_path / "half.npy") == header + full.nbytes // 2
    np.testing.assert_allclose(half.astype(np.float32), full, rtol=1e-3, atol=1e-3)


def test_a_generator_is_read_once(run, small_windows):
    pulled = []

    def texts():
        for text in TEXTS:
            pulled.append(text)
            yield text

    from_generator = run(texts(), batch_size=2)
    assert pulled == TEXTS, "each text is read exactly once, in order"
    np.testing.assert_allclose(from_generator, run(TEXTS), atol=1e-5, rtol=0)


def test_a_window_that_ends_the_corpus_exactly(run, small_windows):
    vectors = run((t for t in TEXTS[:8]), batch_size=3)  # two full windows, then nothing
    assert vectors.shape[0] == 8


@pytest.mark.parametrize(
    ("texts", "error", "match"),
    [
        ([], ValueError, "empty"),
        (iter([]), ValueError, "empty"),
        (None, TypeError, "None"),
        (["fine", 3], TypeError, r"texts\[1\] is int"),
        (["fine", "  "], ValueError, r"texts\[1\] is empty"),
        (42, TypeError, "string"),
    ],
)
def test_bad_texts_get_clear_errors(run, texts, error, match):
    with pytest.raises(error, match=match):
        run(texts)


def test_a_bad_text_late_in_a_generator_names_its_place(run, small_windows):
    with pytest.raises(TypeError, match=r"texts\[4:\]\[1\] is NoneType"):
        run(iter([*TEXTS[:5], None]))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"pooling": "avg"}, ValueError, "Unknown pooling 'avg'"),
        ({"layers": 7}, IndexError, "Layer 7 does not exist"),
        ({"layers": -8}, IndexError, "valid indices"),
        ({"layers": "last"}, ValueError, "Unknown layer spec"),
        ({"layers": slice(5, 2)}, ValueError, "selects no layer"),
        ({"output_dtype": "int8"}, ValueError, "float16"),
        ({"dtype": "float16"}, ValueError, "compute dtype"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"max_length": 100_000}, ValueError, "outside 3.."),
        ({"pooling": None}, ValueError, "token_vectors"),
        ({"out": "vectors.txt"}, ValueError, r"\.npy"),
    ],
)
def test_bad_arguments_get_clear_errors(run, kwargs, error, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        run(TEXTS, **kwargs)
    assert os.listdir(tmp_path) == [], "nothing is written on an error"


def test_a_bad_output_path_fails_before_any_model_is_loaded(tmp_path):
    """The checkpoint does not exist: if out= were checked late, this would be a CheckpointUnavailableError."""
    with pytest.raises(ValueError, match=r"\.npy"):
        extract(TEXTS, checkpoint=str(tmp_path / "no-such-checkpoint"), out=tmp_path / "vectors.txt", progress=False)
    with pytest.raises(FileNotFoundError, match="create it first"):
        extract(TEXTS, checkpoint=str(tmp_path / "no-such-checkpoint"), out=tmp_path / "missing" / "v.npy",
                progress=False)


def test_model_and_tokenizer_come_together(model, tokenizer):
    with pytest.raises(ValueError, match="tokenizer= is missing"):
        extract(TEXTS, model=model)
    with pytest.raises(ValueError, match="not both"):
        extract(TEXTS, checkpoint="some/checkpoint", model=model, tokenizer=tokenizer)


def test_too_long_texts_warn_once_with_the_count(run, model, tokenizer, small_windows):
    long_texts = [TEXTS[1], TEXTS[0], TEXTS[3], TEXTS[6], TEXTS[2]]  # three are over 12 tokens, in two windows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = run(long_texts, max_length=12, batch_size=2, long_texts="truncate")
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and "Truncated 3 of 5" in messages[0] and "texts[0]" in messages[0], messages
    for row, text in zip(vectors, long_texts):
        expected = _reference(model, tokenizer, text, max_length=12)[-1].mean(dim=0).numpy()
        np.testing.assert_allclose(row[0], expected, atol=1e-5, rtol=0)


def test_too_long_text_raises_by_default(run, tmp_path):
    with pytest.raises(ValueError, match=r"texts\[3\] is longer than max_length=12"):
        run([TEXTS[0], TEXTS[2], TEXTS[7], TEXTS[6]], max_length=12, out=tmp_path / "v.npy")
    assert os.listdir(tmp_path) == []


def test_a_models_own_limit_applies_by_default(run, model, tokenizer):
    limit = bertkit.max_input_length(tokenizer, model)
    with pytest.raises(ValueError, match=f"longer than max_length={limit}"):
        run(["short", "word " * (limit + 10)])
    with pytest.warns(UserWarning, match=f"Truncated 1 of 2 text\\(s\\) to max_length={limit}"):
        vectors = run(["short", "word " * (limit + 10)], long_texts="truncate")
    assert np.isfinite(vectors).all()


def test_the_model_is_left_as_it_was_also_after_an_error(run, model):
    hooks_before = {name: (len(m._forward_hooks), len(m._forward_pre_hooks)) for name, m in model.named_modules()}
    with pytest.raises(ValueError):
        run([*TEXTS, ""])
    with pytest.raises(TypeError):
        run(iter([*TEXTS, 1.5]))  # an iterator is checked as it is read, with the model already in eval mode
    hooks_after = {name: (len(m._forward_hooks), len(m._forward_pre_hooks)) for name, m in model.named_modules()}
    assert hooks_after == hooks_before and not model.training


def test_a_model_in_training_mode_is_used_in_eval_mode_and_left_as_it_was(run, model, references):
    model.train()
    try:
        vectors = run(TEXTS[:3])
        assert model.training
    finally:
        model.eval()
    np.testing.assert_allclose(vectors[:, 0], [ref[-1].mean(dim=0).numpy() for ref in references[:3]], atol=1e-5)


# -- command line ------------------------------------------------------------------------------------------


@pytest.fixture
def cli_model(monkeypatch, model, tokenizer):
    """main() in this process uses the session's model instead of loading its own."""
    monkeypatch.setattr(bertkit.extract_setup, "load_cached", lambda name: (tokenizer, model))


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("-1", -1), ("-4:", slice(-4, None)), ("1:5:2", slice(1, 5, 2)), ("0,3,6", [0, 3, 6]), ("all", "all")],
)
def test_layer_syntax(spec, parsed):
    assert parse_layers(spec) == parsed


def test_cli_reads_a_file_and_writes_npy(run, cli_model, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "vectors.npy"
    code = main(["extract", str(corpus), "-o", str(out), "--layers", "-4:", "--no-progress", "--output-dtype", "float16"])
    assert code == 0
    assert "(texts, layers, hidden)" in capsys.readouterr().out
    expected = run(TEXTS, layers=slice(-4, None), output_dtype="float16", pooling="auto")
    np.testing.assert_array_equal(np.load(out), expected)


def test_cli_reads_stdin(run, cli_model, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(TEXTS)))  # no newline after the last line
    out = tmp_path / "vectors.npy"
    assert main(["extract", "-", "-o", str(out), "--layers", "0,6", "--pooling", "cls", "--no-progress"]) == 0
    np.testing.assert_array_equal(np.load(out), run(TEXTS, layers=[0, 6], pooling="cls"))


@pytest.mark.parametrize(
    ("content", "args", "match"),
    [
        (None, [], "does not exist"),
        ("", [], "has no text"),
        ("one\n\nthree\n", [], "line 2 of .* is empty"),
        ("one\n", ["--layers", "9"], "Layer 9 does not exist"),
        ("one\n", ["--layers", "last"], "not a layer spec"),
        ("one\n" + "word " * 50 + "\n", ["--max-length", "16"], "longer than max_length=16"),
        ("one\n", ["--prompt-name", "query"], "no prompt 'query'"),
    ],
)
def test_cli_errors_exit_2_with_a_message(cli_model, tmp_path, capsys, content, args, match):
    corpus = tmp_path / "corpus.txt"
    if content is not None:
        corpus.write_text(content, encoding="utf-8")
    out = tmp_path / "vectors.npy"
    assert main(["extract", str(corpus), "-o", str(out), "--no-progress", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err, err
    assert __import__("re").search(match, err), err
    assert not out.exists()


def test_cli_long_texts_chunk_and_dtype_reach_extract(run, cli_model, tmp_path, monkeypatch):
    long_text = " ".join(["the river bank was quiet in the morning"] * 6)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(f"{TEXTS[0]}\n{long_text}\n", encoding="utf-8")
    out = tmp_path / "vectors.npy"
    args = ["--max-length", "16", "--long-texts", "chunk", "--stride", "4", "--no-progress"]
    assert main(["extract", str(corpus), "-o", str(out), *args]) == 0
    expected = run([TEXTS[0], long_text], max_length=16, long_texts="chunk", stride=4, pooling="auto")
    np.testing.assert_array_equal(np.load(out), expected)
    seen: list[str] = []
    real = extract_module.extract

    def recording(*args, dtype="float32", **kwargs):  # what each dtype computes: tests/library/test_precision.py
        seen.append(dtype)
        return real(*args, dtype="float32", **kwargs)

    monkeypatch.setattr(extract_module, "extract", recording)
    assert main(["extract", str(corpus), "-o", str(out), "--dtype", "int8", "--no-progress"]) == 0
    assert seen == ["int8"]


def test_cli_a_stride_that_does_not_fit_is_exit_2(cli_model, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("one\n", encoding="utf-8")
    args = ["--max-length", "16", "--long-texts", "chunk", "--stride", "40", "--no-progress"]
    assert main(["extract", str(corpus), "-o", str(tmp_path / "v.npy"), *args]) == 2
    assert "stride" in capsys.readouterr().err


def test_cli_unknown_pooling_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["extract", "corpus.txt", "-o", str(tmp_path / "v.npy"), "--pooling", "avg"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'avg'" in capsys.readouterr().err


def test_cli_help_explains_the_output_shape(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["extract", "--help"])
    assert exit_info.value.code == 0
    assert "(n_texts, n_layers, hidden)" in capsys.readouterr().out


def test_python_dash_m_bertkit_end_to_end(run, tmp_path):
    """The real entry point, in a fresh process that loads the model itself: stdin in, .npy out."""
    out = tmp_path / "vectors.npy"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "bertkit", "extract", "-", "-o", str(out), "--layers", "-4:", "--no-progress"],
        input="\n".join(TEXTS[:4]) + "\n", capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load(out), run(TEXTS[:4], layers=slice(-4, None), pooling="auto"), atol=1e-5, rtol=0)
