"""Compute precision for :func:`bertkit.extract`: ``precision="float32" | "bfloat16" | "int8"``.

    >>> vectors = bertkit.extract(texts, precision="bfloat16")   # every vector within cosine 0.9999 of float32

``precision`` is how the encoder computes; ``dtype`` stays the dtype of the returned array or file. Fidelity is
the cosine of each text's vector to its float32 vector; the bounds below are asserted by tests/test_precision.py
on the bundled all-MiniLM-L6-v2, and the speeds and the full figures are in benchmarks/README.md (measured in
one run by ``benchmarks/extract.py --precision``).

- ``"float32"``: the model's own weights; on a CPU the linear layers run through oneDNN with packed weights
  (:mod:`bertkit.onednn`).
- ``"bfloat16"``: on a CPU, the encoder compiled by OpenVINO with bfloat16 matrix multiplies (layer norms,
  softmax and the pooled sums stay float32): every vector's cosine to float32 at least 0.9999. On CUDA, PyTorch
  autocast. Casting the weights themselves to bfloat16 (``model.to(torch.bfloat16)``) put some vectors below
  0.9999 (min 0.99988 on 256 texts), so it is not used.
- ``"int8"``: on a CPU, the encoder compiled by OpenVINO with int8 weights (per output channel) and each token's
  activations quantized as they arrive (one scale per group of
  :data:`bertkit.openvino_encoder.INT8_GROUP_SIZE` features); no calibration set, so a text's vector does not
  depend on the rest of the corpus. Cosine to float32: mean at least 0.995, every vector at least 0.98 (ONNX
  Runtime's dynamic int8, what sentence-transformers exports, is below both on the same texts).

How and why OpenVINO: :mod:`bertkit.openvino_encoder`. The first call on a model exports and compiles it (a few
seconds); later calls reuse it until the model's weights change. Without OpenVINO installed
(``pip install openvino nncf``, or ``bertkit[fast]``), or for a model it cannot convert, a warning says so and
PyTorch computes: autocast for bfloat16 (same fidelity; 224 texts/s against OpenVINO's 281 in the benchmark) and
``torch.ao`` dynamic int8 for int8 (the feed-forward output layers kept in float32; 222 texts/s against 356, and
clearly lower fidelity: cosine mean 0.981 and min 0.939 on 800 texts; check it on your own data).

When the CPU lacks the instructions a precision needs (bfloat16: AVX-512 BF16 or AMX; int8: AVX-512 VNNI or
AVX-VNNI, and a quantized engine in this torch) a warning says so and float32 runs instead: on such a CPU the
emulated kernels are slower than float32. :func:`supported` says what this machine can do.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .extract_setup import check_dtype
from .onednn import packed_linears

__all__ = ["prepare", "supported"]

_NEEDS = {
    "bfloat16": ({"avx512_bf16", "amx_bf16"}, "AVX-512 BF16 or AMX"),
    "int8": ({"avx512_vnni", "avx_vnni", "amx_int8"}, "AVX-512 VNNI or AVX-VNNI"),
}


@functools.cache
def _cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def supported(precision: str, device: str = "cpu") -> tuple[bool, str]:
    """Whether ``precision`` runs natively on ``device`` here, and if not, why (a sentence for a warning)."""
    check_dtype(precision)
    if precision == "float32":
        return True, ""
    if device != "cpu":
        if precision == "bfloat16" and device == "cuda" and torch.cuda.is_bf16_supported():
            return True, ""
        return False, f"dtype={precision!r} is implemented for CPUs (and bfloat16 for CUDA), not for {device!r}"
    flags, names = _NEEDS[precision]
    if not _cpu_flags() & flags:
        return False, f"this CPU has no {names} instructions, so {precision} would be emulated and slower"
    if precision == "int8" and not {"x86", "fbgemm"} & set(torch.backends.quantized.supported_engines):
        return False, "this torch has no x86/fbgemm quantized engine"
    return True, ""


def prepare(
    encoder: nn.Module, precision: str, names: Sequence[str] | None = None, needed: Sequence[int] | None = None
) -> tuple[Any, AbstractContextManager, str]:
    """(encoder to run, context to run it in, precision that runs) for one :func:`bertkit.extract` call.

    On a CPU, bfloat16 and int8 run the encoder compiled by OpenVINO (:mod:`bertkit.openvino_encoder`) for the
    model inputs ``names`` and the hidden states ``needed``; without those, without OpenVINO installed, or where
    it cannot convert the model, a warning says why and PyTorch computes (autocast for bfloat16, a ``torch.ao``
    dynamically quantized copy for int8). The caller's model is never changed. When ``precision`` cannot run
    natively here, a warning says why and float32 runs.
    """
    check_dtype(precision)
    device = next(encoder.parameters()).device.type
    ok, why = supported(precision, device)
    if not ok:
        warnings.warn(f"{why}; computing in float32 instead.", stacklevel=3)
        precision = "float32"
    if precision != "float32" and device == "cpu" and names is not None and needed is not None:
        compiled = _openvino(encoder, precision, names, needed)
        if compiled is not None:
            return compiled, nullcontext(), precision
    if precision == "bfloat16":
        return encoder, torch.autocast(device, dtype=torch.bfloat16), precision
    if precision == "int8":
        quantized = quantize_int8(encoder)
        return quantized, packed_linears(quantized), precision  # the float32 layers left still get packed
    if device == "cpu":
        return encoder, packed_linears(encoder), precision
    return encoder, nullcontext(), precision


def _openvino(encoder: nn.Module, precision: str, names: Sequence[str], needed: Sequence[int]) -> Any:
    """The OpenVINO-compiled encoder, or None (with a warning that says why) when PyTorch has to compute."""
    from . import openvino_encoder

    ok, install = openvino_encoder.available(precision)
    if not ok:
        warnings.warn(
            f"dtype={precision!r} is fastest with OpenVINO ({install}); computing with PyTorch instead "
            "(slower; for int8 also less faithful, see bertkit.precision).",
            stacklevel=4,
        )
        return None
    try:
        return openvino_encoder.compiled(encoder, precision, names, needed)
    except Exception as error:  # an architecture OpenVINO cannot convert: the PyTorch path still works
        warnings.warn(
            f"OpenVINO could not compile this encoder for precision={precision!r} ({type(error).__name__}: "
            f"{error}); computing with PyTorch instead.",
            stacklevel=4,
        )
        return None


def _sensitive(module: nn.Linear, hidden: int) -> bool:
    """The feed-forward output layers (``4h -> h``), read from the shapes: no module names are assumed."""
    return module.out_features == hidden and module.in_features > hidden


def quantize_int8(encoder: nn.Module) -> nn.Module:
    """A copy of ``encoder`` whose linear layers (but the feed-forward outputs) are dynamically quantized to int8."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    config: Any = encoder.config  # nn.Module's __getattr__ would type it as Tensor | Module
    hidden = int(config.hidden_size)
    names = {
        name: per_channel_dynamic_qconfig
        for name, module in encoder.named_modules()
        if type(module) is nn.Linear and not _sensitive(module, hidden)
    }
    engine = "x86" if "x86" in torch.backends.quantized.supported_engines else "fbgemm"
    with ExitStack() as stack, warnings.catch_warnings():
        # torch.ao's eager quantization prints a migration notice on every call (torchao is its successor; this
        # API is kept in torch 2.13 and runs fbgemm's kernels without torchao's import cost or torch.compile).
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="(?s).*torchao")
        warnings.filterwarnings("ignore", message="(?s).*quantized tensor creation functions")
        stack.callback(setattr, torch.backends.quantized, "engine", torch.backends.quantized.engine)
        torch.backends.quantized.engine = engine
        quantized = quantize_dynamic(copy.deepcopy(encoder), names, inplace=True)
    return quantized.eval()
