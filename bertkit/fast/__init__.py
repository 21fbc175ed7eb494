"""Compute dtypes other than float32 for :func:`bertkit.extract`: ``dtype="bfloat16" | "int8"`` (the ``fast`` extra).

    >>> vectors = bertkit.extract(texts, dtype="bfloat16")   # every vector within cosine 0.9999 of float32

This package is the one seam between :func:`bertkit.extract` and everything that computes faster than plain
float32; ``dtype="float32"`` never imports it. ``dtype`` is how the encoder computes; ``output_dtype`` stays the
dtype of the returned array or file. Fidelity is the cosine of each text's vector to its float32 vector; the
bounds below are asserted by tests/library/test_precision.py on the bundled all-MiniLM-L6-v2 (speeds, and how these
choices were made: benchmarks/README.md).

- ``"bfloat16"``: on a CPU, the encoder compiled by OpenVINO with bfloat16 matrix multiplies (layer norms,
  softmax and the pooled sums stay float32): every vector's cosine to float32 at least 0.9999. On CUDA, PyTorch
  autocast.
- ``"int8"``: on a CPU, the encoder compiled by OpenVINO with int8 weights (per output channel) and each token's
  activations quantized as they arrive (one scale per group of
  :data:`bertkit.fast.openvino_encoder.INT8_GROUP_SIZE` features); no calibration set, so a text's vector does not
  depend on the rest of the corpus. Cosine to float32: mean at least 0.995, every vector at least 0.98.

How OpenVINO runs: :mod:`bertkit.fast.openvino_encoder`. The first call on a model exports and compiles it (a
few seconds); later calls reuse it until the model's weights change. Without OpenVINO installed
(``pip install openvino nncf``, or ``bertkit[fast]``), or for a model it cannot convert, a warning says so and
PyTorch computes: autocast for bfloat16, and for int8 a ``torch.ao`` dynamically quantized copy (the feed-forward
output layers kept in float32, run through :mod:`bertkit.fast.onednn`) whose fidelity is clearly lower: check it
on your own data.

When the CPU lacks the instructions a dtype needs (bfloat16: AVX-512 BF16 or AMX; int8: AVX-512 VNNI or
AVX-VNNI, and a quantized engine in this torch) a warning says so and float32 runs instead: on such a CPU the
emulated kernels are slower than float32. :func:`supported` says what this machine can do.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..extract_setup import check_dtype
from ..forward import LayerStates
from .onednn import packed_linears

__all__ = ["prepare", "quantize_int8", "supported"]

States = Callable[[dict[str, Tensor]], dict[int, Tensor]]

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


def supported(dtype: str, device: str = "cpu") -> tuple[bool, str]:
    """Whether ``dtype`` runs natively on ``device`` here, and if not, why (a sentence for a warning)."""
    check_dtype(dtype)
    if dtype == "float32":
        return True, ""
    if device != "cpu":
        if dtype == "bfloat16" and device == "cuda" and torch.cuda.is_bf16_supported():
            return True, ""
        return False, f"dtype={dtype!r} is implemented for CPUs (and bfloat16 for CUDA), not for {device!r}"
    flags, names = _NEEDS[dtype]
    if not _cpu_flags() & flags:
        return False, f"this CPU has no {names} instructions, so {dtype} would be emulated and slower"
    if dtype == "int8" and not {"x86", "fbgemm"} & set(torch.backends.quantized.supported_engines):
        return False, "this torch has no x86/fbgemm quantized engine"
    return True, ""


def prepare(
    encoder: nn.Module, dtype: str, names: Sequence[str], needed: Sequence[int]
) -> tuple[States, AbstractContextManager, torch.device]:
    """(batch -> ``{i: hidden state}``, the context to run it in, the device batches go to) for one
    :func:`bertkit.extract` call that computes in ``dtype``.

    Args:
        encoder: the bare encoder (``model.base_model``), in eval mode. It is never changed.
        dtype: one of :data:`bertkit.DTYPE`.
        names: the model inputs each padded batch carries (``input_ids``, ``attention_mask``, ...).
        needed: the hidden-state indices to return.

    On a CPU, bfloat16 and int8 run the encoder compiled by OpenVINO; without OpenVINO, or where it cannot
    convert the model, a warning says why and PyTorch computes. Where ``dtype`` cannot run natively here, a
    warning says why and float32 runs.
    """
    check_dtype(dtype)
    device = next(encoder.parameters()).device
    ok, why = supported(dtype, device.type)
    if not ok:
        warnings.warn(f"{why}; computing in float32 instead.", stacklevel=4)
        dtype = "float32"
    if dtype != "float32" and device.type == "cpu":
        compiled = _openvino(encoder, dtype, names, needed)
        if compiled is not None:
            return functools.partial(compiled.states, needed=tuple(needed)), nullcontext(), torch.device("cpu")
    if dtype == "bfloat16":
        return LayerStates(encoder, needed), torch.autocast(device.type, dtype=torch.bfloat16), device
    if dtype == "int8":
        quantized = quantize_int8(encoder)
        return LayerStates(quantized, needed), packed_linears(quantized), device  # its float32 layers get packed
    return LayerStates(encoder, needed), nullcontext(), device


def _openvino(encoder: nn.Module, dtype: str, names: Sequence[str], needed: Sequence[int]) -> Any:
    """The OpenVINO-compiled encoder, or None (with a warning that says why) when PyTorch has to compute."""
    from . import openvino_encoder

    ok, install = openvino_encoder.available(dtype)
    if not ok:
        warnings.warn(
            f"dtype={dtype!r} is fastest with OpenVINO ({install}); computing with PyTorch instead "
            "(slower; for int8 also less faithful, see bertkit.fast).",
            stacklevel=4,
        )
        return None
    try:
        return openvino_encoder.compiled(encoder, dtype, names, needed)
    except Exception as error:  # an architecture OpenVINO cannot convert: the PyTorch path still works
        warnings.warn(
            f"OpenVINO could not compile this encoder for dtype={dtype!r} ({type(error).__name__}: "
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
