"""extract(precision=...): the fidelity bounds bertkit.precision documents, proof of the path that ran, fallbacks."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import bertkit
import bertkit.precision as precision
from bertkit.extraction import extract

sys.path.insert(0, str(Path(__file__).parent))
import families  # noqa: E402

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


def test_bfloat16_every_vector_within_cosine_0_9999(loaded, reference):
    _native("bfloat16")
    tokenizer, model = loaded
    seen: list[torch.dtype] = []
    linear = next(m for m in model.base_model.modules() if type(m) is nn.Linear)
    handle = linear.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    try:
        vectors = extract(TEXTS, model=model, tokenizer=tokenizer, precision="bfloat16", progress=False)
    finally:
        handle.remove()
    assert seen and set(seen) == {torch.bfloat16}, "the linear layers did not compute in bfloat16"
    assert vectors.dtype == np.float32  # dtype= is the output's, unchanged by precision
    cos = _cosines(vectors, reference)
    assert cos.min() >= 0.9999, cos
    assert cos.min() < 1.0  # it really computed differently


def test_int8_runs_quantized_layers_within_its_documented_fidelity(loaded, reference, monkeypatch):
    _native("int8")
    tokenizer, model = loaded
    calls = {"quantized": 0}
    quantize = precision.quantize_int8

    def counting(encoder):
        copy = quantize(encoder)
        qlinears = [m for m in copy.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
        assert qlinears, "quantize_int8 quantized nothing"
        for m in qlinears:
            m.register_forward_hook(lambda *a: calls.__setitem__("quantized", calls["quantized"] + 1))
        return copy

    monkeypatch.setattr(precision, "quantize_int8", counting)
    vectors = extract(TEXTS, model=model, tokenizer=tokenizer, precision="int8", progress=False)
    assert calls["quantized"] > 0, "no int8 layer ran"
    assert all(type(m) is not torch.ao.nn.quantized.dynamic.Linear for m in model.modules()), "the model was changed"
    cos = _cosines(vectors, reference)
    # bertkit/precision.py documents int8 as clearly below bfloat16; these are the bounds it promises here
    assert cos.mean() >= 0.97 and cos.min() >= 0.90, (cos.mean(), cos.min())


def test_without_the_instructions_it_warns_and_computes_float32(loaded, reference, monkeypatch):
    tokenizer, model = loaded
    monkeypatch.setattr(precision, "_cpu_flags", lambda: frozenset({"sse2"}))
    for name in ("bfloat16", "int8"):
        with pytest.warns(UserWarning, match="no .* instructions.*float32 instead"):
            vectors = extract(TEXTS, model=model, tokenizer=tokenizer, precision=name, progress=False)
        np.testing.assert_array_equal(vectors, reference)


def test_float32_needs_no_warning(loaded, reference):
    tokenizer, model = loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vectors = extract(TEXTS[:3], model=model, tokenizer=tokenizer, precision="float32", progress=False)
    np.testing.assert_allclose(vectors, reference[:3], atol=1e-5)


def test_an_unknown_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="use one of"):
        extract(TEXTS, precision="fp16")


@pytest.mark.parametrize("family", ["electra", "roberta", "distilbert"])
def test_every_precision_runs_on_other_families(family, tmp_path):
    path = families.build(family, tmp_path / family)
    tokenizer, model = bertkit.load(str(path))
    texts = ["짧은 문장.", "A somewhat longer English sentence for the test."]
    ref = extract(texts, model=model, tokenizer=tokenizer, layers="all", progress=False)
    for name in ("bfloat16", "int8"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a CPU without the instructions falls back (tested above)
            vectors = extract(texts, model=model, tokenizer=tokenizer, layers="all", precision=name, progress=False)
        assert vectors.shape == ref.shape
        assert np.isfinite(vectors).all()
