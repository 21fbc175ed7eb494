"""extract(dtype=...): the fidelity bounds bertkit.fast documents, proof of the path that ran, fallbacks, and that
float32 never imports bertkit.fast."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

import bertkit
import bertkit.fast as precision
from bertkit.extraction import extract
from bertkit.fast import onednn, openvino_encoder

TEXTS = [
    "I love Paris.",
    "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon.",
    "Hi",
    "Embeddings from every encoder layer differ.",
    "A movie I would happily watch again, with a story that kept me guessing until the very end.",
    "Stock prices fell sharply after the announcement.",
    "How do I reset my password?",
    "The library was closed on Sunday, so we studied in the park instead of going home.",
    "Vectors for a whole corpus in one call.",
    "Rain is expected tomorrow in the north.",
    "She plays the violin in a small orchestra.",
    "Why is the sky blue during the day but red at sunset?",
]


LAYERS = [0, 2, -1]  # one compiled graph per precision serves the tests below (it is cached per layer set)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def reference(loaded):
    tokenizer, model = loaded
    return extract(TEXTS, model=model, tokenizer=tokenizer, progress=False)


def _native(name: str) -> None:
    ok, why = precision.supported(name)
    if not ok:
        pytest.skip(f"{name} is not native here: {why}")


class _Spy:
    """Records every OpenVINOEncoder extract builds and how many batches each ran."""

    def __init__(self, monkeypatch):
        self.built: list[openvino_encoder.OpenVINOEncoder] = []
        self.batches = 0
        compiled, states = openvino_encoder.compiled, openvino_encoder.OpenVINOEncoder.states

        def spy_compiled(*args, **kwargs):
            self.built.append(compiled(*args, **kwargs))
            return self.built[-1]

        def spy_states(encoder, *args, **kwargs):
            self.batches += 1
            return states(encoder, *args, **kwargs)

        monkeypatch.setattr(openvino_encoder, "compiled", spy_compiled)
        monkeypatch.setattr(openvino_encoder.OpenVINOEncoder, "states", spy_states)


def _openvino(name: str) -> None:
    _native(name)
    ok, install = openvino_encoder.available(name)
    if not ok:
        pytest.skip(f"the OpenVINO path needs: {install}")


def test_bfloat16_runs_openvino_in_bfloat16_every_vector_within_cosine_0_9999(loaded, reference, monkeypatch):
    _openvino("bfloat16")
    tokenizer, model = loaded
    spy = _Spy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: the OpenVINO path ran
        vectors = extract(TEXTS, model=model, tokenizer=tokenizer, dtype="bfloat16", batch_size=4, progress=False,
                          layers=LAYERS)[:, -1]
    assert spy.batches == 3, "the compiled encoder did not run every batch"
    assert set(spy.built[0].matmul_precisions()) == {"bf16"}, spy.built[0].matmul_precisions()
    assert vectors.dtype == np.float32  # output_dtype= is the output's, unchanged by dtype=
    cos = _cosines(vectors, reference)
    assert cos.min() >= 0.9999, cos  # the bound bertkit/fast/__init__.py documents
    assert cos.min() < 1.0  # it really computed differently


def test_int8_runs_int8_matmuls_with_the_issue_fidelity(loaded, reference, monkeypatch):
    _openvino("int8")
    tokenizer, model = loaded
    spy = _Spy(monkeypatch)
    before = [p.detach().clone() for p in model.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vectors = extract(TEXTS, model=model, tokenizer=tokenizer, dtype="int8", batch_size=4, progress=False,
                          layers=LAYERS)[:, -1]
    assert spy.batches == 3
    kernels = spy.built[0].matmul_precisions()
    assert set(kernels) <= {"u8", "i8"} and sum(kernels.values()) >= 6 * model.config.num_hidden_layers, kernels
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters())), "the model was changed"
    cos = _cosines(vectors, reference)
    # issue 15's bounds (bertkit/fast/__init__.py documents them): mean >= 0.995, every vector >= 0.98
    assert cos.mean() >= 0.995 and cos.min() >= 0.98, (cos.mean(), cos.min())
    assert cos.min() < 0.99999  # really quantized


def test_threads_sharing_the_compiled_encoder_get_the_single_call_vectors(loaded):
    """One compiled encoder serves every thread (it is cached per model): each thread needs its own request."""
    _openvino("bfloat16")
    tokenizer, model = loaded

    def one(_):
        return extract(TEXTS, model=model, tokenizer=tokenizer, dtype="bfloat16", batch_size=2, progress=False,
                       layers=LAYERS)

    expected = one(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(8)))
    for result in results:
        np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("name", ["bfloat16", "int8"])
def test_padded_batches_and_chosen_layers_match_pytorch(loaded, name):
    """The traced graph keeps the attention mask: a short text padded in a batch gets its own vector."""
    _openvino(name)
    tokenizer, model = loaded
    texts = [TEXTS[2], TEXTS[1]]  # 3 tokens padded to 22
    alone = extract(texts[:1], model=model, tokenizer=tokenizer, layers=LAYERS, progress=False)
    batched = extract(texts, model=model, tokenizer=tokenizer, layers=LAYERS, dtype=name, progress=False)
    assert batched.shape == (2, 3, model.config.hidden_size)
    cos = _cosines(batched[0].reshape(3, -1), alone[0].reshape(3, -1))
    assert cos.min() >= (0.9999 if name == "bfloat16" else 0.99), cos


def test_a_changed_model_is_compiled_again(loaded, monkeypatch):
    _openvino("bfloat16")
    tokenizer, model = loaded
    spy = _Spy(monkeypatch)
    first = extract(TEXTS[:2], model=model, tokenizer=tokenizer, dtype="bfloat16", layers=LAYERS, progress=False)
    again = extract(TEXTS[:2], model=model, tokenizer=tokenizer, dtype="bfloat16", layers=LAYERS, progress=False)
    assert spy.built[0] is spy.built[1]  # cached
    np.testing.assert_array_equal(first, again)
    weight = model.base_model.embeddings.word_embeddings.weight
    saved = weight.detach().clone()
    try:
        with torch.no_grad():
            weight.mul_(1.5)  # in place, as an optimizer step does
        changed = extract(TEXTS[:2], model=model, tokenizer=tokenizer, dtype="bfloat16", layers=LAYERS,
                          progress=False)
    finally:
        with torch.no_grad():
            weight.copy_(saved)
    assert spy.built[2] is not spy.built[0], "a stale compiled encoder ran"
    assert not np.allclose(changed, first, atol=1e-3)


def test_without_openvino_it_warns_and_pytorch_computes(loaded, reference, monkeypatch):
    _native("bfloat16")
    tokenizer, model = loaded
    monkeypatch.setattr(openvino_encoder, "available", lambda name: (False, "pip install openvino nncf"))
    seen: list[torch.dtype] = []
    linear = next(m for m in model.base_model.modules() if type(m) is nn.Linear)
    handle = linear.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    try:
        with pytest.warns(UserWarning, match="pip install openvino nncf.*PyTorch"):
            vectors = extract(TEXTS, model=model, tokenizer=tokenizer, dtype="bfloat16", progress=False)
    finally:
        handle.remove()
    assert seen and set(seen) == {torch.bfloat16}, "autocast did not run"
    assert _cosines(vectors, reference).min() >= 0.9999


def test_a_model_openvino_cannot_convert_falls_back_with_a_warning(loaded, reference, monkeypatch):
    _openvino("int8")
    tokenizer, model = loaded

    def refuse(*args, **kwargs):
        raise RuntimeError("unsupported operation")

    monkeypatch.setattr(openvino_encoder, "compiled", refuse)
    monkeypatch.setattr(onednn, "ONEDNN", True)  # the float32 layers int8 leaves go through the packed private ops
    packed = []
    real = onednn._packed_forward
    monkeypatch.setattr(onednn, "_packed_forward", lambda *args: packed.append(1) or real(*args))
    with pytest.warns(UserWarning, match="could not compile.*unsupported operation.*PyTorch"):
        vectors = extract(TEXTS, model=model, tokenizer=tokenizer, dtype="int8", progress=False)
    cos = _cosines(vectors, reference)
    assert cos.mean() >= 0.97 and cos.min() >= 0.90, (cos.mean(), cos.min())  # torch.ao's documented bounds
    assert packed or not onednn._onednn_available(), "the packed oneDNN path did not run"
    assert not [m for m in model.modules() if "forward" in m.__dict__], "a packed forward was left behind"


@pytest.mark.parametrize("onednn_on", [True, False])
def test_packed_linears_agree_with_pytorch_and_are_removed(loaded, monkeypatch, onednn_on):
    tokenizer, model = loaded
    monkeypatch.setattr(onednn, "ONEDNN", onednn_on)
    batch = tokenizer(TEXTS[:4], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model(**batch).last_hidden_state
        with onednn.packed_linears(model):
            replaced = [m for m in model.modules() if "forward" in m.__dict__]
            got = model(**batch).last_hidden_state
    assert bool(replaced) == (onednn_on and onednn._onednn_available())
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert not [m for m in model.modules() if "forward" in m.__dict__]


def test_float32_imports_none_of_the_fast_package():
    code = (
        "import sys, bertkit\n"
        "bertkit.extract(['a short text', 'another one'], progress=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bertkit.fast', 'openvino', 'nncf'))))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_without_the_instructions_it_warns_and_computes_float32(loaded, reference, monkeypatch):
    tokenizer, model = loaded
    monkeypatch.setattr(precision, "_cpu_flags", lambda: frozenset({"sse2"}))
    for name in ("bfloat16", "int8"):
        with pytest.warns(UserWarning, match="no .* instructions.*float32 instead"):
            vectors = extract(TEXTS, model=model, tokenizer=tokenizer, dtype=name, progress=False)
        np.testing.assert_array_equal(vectors, reference)


def test_float32_needs_no_warning(loaded, reference):
    tokenizer, model = loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vectors = extract(TEXTS[:3], model=model, tokenizer=tokenizer, dtype="float32", progress=False)
    np.testing.assert_allclose(vectors, reference[:3], atol=1e-5)


def test_an_unknown_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="use one of"):
        extract(TEXTS, dtype="fp16")


@pytest.mark.parametrize("family", ["electra", "roberta", "distilbert"])
def test_every_precision_runs_on_other_families(family, family_paths):
    """Every layer of each family (ELECTRA's embedding projection, RoBERTa's position ids, DistilBERT without
    token types) through the compiled encoder, close to PyTorch's float32 (random weights: no outlier features)."""
    tokenizer, model = bertkit.load(str(family_paths[family]))
    texts = ["짧은 문장.", "A somewhat longer English sentence for the test."]
    ref = extract(texts, model=model, tokenizer=tokenizer, layers="all", progress=False)
    for name, bound in (("bfloat16", 0.999), ("int8", 0.99)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a CPU without the instructions falls back (tested above)
            vectors = extract(texts, model=model, tokenizer=tokenizer, layers="all", dtype=name, progress=False)
        assert vectors.shape == ref.shape
        cos = _cosines(vectors.reshape(-1, vectors.shape[-1]), ref.reshape(-1, ref.shape[-1]))
        assert cos.min() >= bound, (name, cos.min())
