"""The encoder compiled by OpenVINO: how ``extract(..., dtype="bfloat16" | "int8")`` runs on a CPU.

:func:`bertkit.fast.prepare` builds an :class:`OpenVINOEncoder` for those two dtypes on a CPU. It exports the
encoder (``model.base_model``) with ``torch.export`` and converts it with ``openvino.convert_model`` into a graph
whose outputs are exactly the hidden states the call asked for (:func:`convert`), then compiles it for the CPU
plugin:

- ``"bfloat16"``: ``INFERENCE_PRECISION_HINT="bf16"``. Matrix multiplies run in bfloat16 (AVX-512 BF16 / AMX);
  OpenVINO keeps layer norms, softmax and the other sensitive reductions in float32.
- ``"int8"``: the weights of the linear layers are stored in int8 (``nncf.compress_weights``, asymmetric, one
  scale and zero point per output channel; no calibration data) and the CPU plugin quantizes each token's
  activations as they arrive, one scale per group of :data:`INT8_GROUP_SIZE` input features
  (``DYNAMIC_QUANTIZATION_GROUP_SIZE``), then multiplies in int8 (AVX-512 VNNI / AMX). Because every scale belongs
  to one token of one text, a text's vector does not depend on the other texts in its batch or on a calibration
  set.

The compiled encoder is cached per model, dtype, set of layers and input names, and rebuilt when any of the
model's parameters changed in place (a training step) or was replaced. The first call pays for the export,
conversion and compilation; later calls reuse them. Threads may share one compiled encoder: each thread runs its
own infer request. Why OpenVINO rather than PyTorch's own bfloat16 and int8, with the measurements:
benchmarks/README.md.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import threading
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..eval_mode import evaluating

__all__ = ["INT8_GROUP_SIZE", "OpenVINOEncoder", "available", "compiled", "convert"]

INT8_GROUP_SIZE = 128
"""Input features that share one activation scale in the int8 path (per token). Smaller groups are more faithful
(fidelity per group size: benchmarks/README.md)."""

_MODULES = {"bfloat16": ("openvino",), "int8": ("openvino", "nncf")}


def available(dtype: str) -> tuple[bool, str]:
    """Whether the packages the OpenVINO path of ``dtype`` needs are installed, and if not, which to install."""
    missing = [name for name in _MODULES.get(dtype, ()) if importlib.util.find_spec(name) is None]
    if missing:
        return False, f"pip install {' '.join(missing)}"
    return dtype in _MODULES, ""


def _quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` without nncf's statistics table (INFO log) and progress bar (printed to stdout)."""
    log = logging.getLogger("nncf")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn(*args, **kwargs)
    finally:
        log.setLevel(level)


class _SelectedStates(nn.Module):
    """The encoder with ``hidden_states[i]`` for each ``i`` in ``needed`` as its outputs: what gets converted."""

    def __init__(self, encoder: nn.Module, needed: Sequence[int]) -> None:
        super().__init__()
        self.encoder, self.needed = encoder, tuple(needed)

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor | None = None
    ) -> tuple[Tensor, ...]:
        extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **extra, output_hidden_states=True)
        return tuple(out.hidden_states[i] for i in self.needed)


def _example(config: Any, names: Sequence[str]) -> dict[str, Tensor]:
    """A (2, 8) batch for tracing: ordinary token ids, one padded row (so the attention mask is traced), types 0."""
    token = min(5, int(config.vocab_size) - 1)
    values = {
        "input_ids": torch.full((2, 8), token, dtype=torch.long),
        "attention_mask": torch.tensor([[1] * 8, [1] * 5 + [0] * 3]),
        "token_type_ids": torch.zeros(2, 8, dtype=torch.long),
    }
    return {name: values[name] for name in names}


def _input_order(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` in :class:`_SelectedStates`'s parameter order, or a ValueError for inputs it does not take."""
    order = ("input_ids", "attention_mask", "token_type_ids")
    if set(names) - set(order) or not {"input_ids", "attention_mask"} <= set(names):
        raise ValueError(f"model inputs {tuple(names)}: expected input_ids, attention_mask and maybe token_type_ids")
    return tuple(name for name in order if name in names)


def convert(encoder: nn.Module, names: Sequence[str], needed: Sequence[int]) -> Any:
    """``encoder`` as an ``openvino.Model`` whose inputs are ``names`` (shape (batch, sequence), any size) and
    whose outputs are ``hidden_states[i]`` for ``i`` in ``needed``, each (batch, sequence, hidden) float32."""
    import openvino as ov

    names = _input_order(names)
    config: Any = encoder.config
    wrapped = _SelectedStates(encoder, needed)
    wrapped.training = False  # the wrapper alone; evaluating() below sets and restores the encoder's own mode
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=int(getattr(config, "max_position_embeddings", 512)))
    with evaluating(encoder), warnings.catch_warnings():
        # torch.export, not torch.jit.trace (deprecated in torch 2.13): the graph keeps batch and sequence
        # length symbolic, and the attention-mask branch is the one recorded (the example has a padded row)
        warnings.filterwarnings("ignore", category=FutureWarning)  # torch's own pytree deprecation notices
        program = torch.export.export(
            wrapped, (), _example(config, names), dynamic_shapes={name: {0: batch, 1: sequence} for name in names}
        )
        return ov.convert_model(program)


class OpenVINOEncoder:
    """A converted encoder (:func:`convert`) compiled for the CPU at ``dtype``; :meth:`states` runs it.

    ``names`` are the model inputs each batch carries (``input_ids``, ``attention_mask``, and ``token_type_ids``
    where the tokenizer makes them); ``needed`` the hidden states the graph outputs.
    """

    def __init__(self, graph: Any, config: Any, dtype: str, names: Sequence[str], needed: Sequence[int]) -> None:
        import openvino as ov

        self.config, self.dtype = config, dtype
        self.names, self.needed = _input_order(names), tuple(needed)
        settings: dict[str, Any] = {"INFERENCE_NUM_THREADS": torch.get_num_threads(), "PERFORMANCE_HINT": "LATENCY"}
        if dtype == "int8":
            import nncf

            graph = _quiet(nncf.compress_weights, graph.clone(), mode=nncf.CompressWeightsMode.INT8_ASYM)
            settings |= {"INFERENCE_PRECISION_HINT": "bf16", "DYNAMIC_QUANTIZATION_GROUP_SIZE": INT8_GROUP_SIZE}
        else:
            settings |= {"INFERENCE_PRECISION_HINT": "bf16"}
        self.model = ov.Core().compile_model(graph, "CPU", settings)
        self._local = threading.local()  # one infer request per thread: a request holds one batch's buffers

    def matmul_precisions(self) -> dict[str, int]:
        """How many of the compiled graph's matrix multiplies (``FullyConnected``) run at each precision, as the
        CPU plugin chose them: e.g. ``{"bf16": 36}``, or ``{"u8": 36}`` for int8 (uint8 activations)."""
        counts: dict[str, int] = {}
        for op in self.model.get_runtime_model().get_ops():
            info = op.get_rt_info()
            if info["layerType"].astype(str) == "FullyConnected":
                name = info["runtimePrecision"].astype(str)
                counts[name] = counts.get(name, 0) + 1
        return counts

    def states(self, batch: dict[str, Tensor], needed: Sequence[int]) -> dict[int, Tensor]:
        """Hidden states ``{i: (batch, seq, hidden) float32}`` for a padded batch of token ids (CPU tensors)."""
        if tuple(needed) != self.needed or not set(self.names) <= set(batch):
            raise ValueError(
                f"this encoder was compiled for layers {self.needed} and inputs {self.names}, "
                f"not {tuple(needed)} and {tuple(batch)}: compile another with bertkit.fast.openvino_encoder.compiled."
            )
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.model.create_infer_request()
        outputs = request.infer({name: batch[name].numpy() for name in self.names})
        # the request reuses its output buffers on the next batch: each state is copied out
        return {i: torch.from_numpy(np.array(outputs[k], dtype=np.float32)) for k, i in enumerate(self.needed)}


_CACHE: weakref.WeakKeyDictionary[nn.Module, dict[tuple, tuple[tuple, Any]]] = weakref.WeakKeyDictionary()
"""encoder -> {key: (fingerprint of its weights, converted graph or compiled encoder)}"""


def _fingerprint(encoder: nn.Module) -> tuple:
    """Changes when a parameter is replaced or modified in place.

    ``Tensor._version`` is the counter autograd itself uses to detect in-place changes (an optimizer step bumps
    it); hashing every weight instead would cost as much as a forward pass of a small batch.
    """
    return tuple((p.data_ptr(), p._version) for p in encoder.parameters())


def _cached(encoder: nn.Module, key: tuple, fingerprint: tuple, build: Callable[[], Any]) -> Any:
    per_model = _CACHE.setdefault(encoder, {})
    hit = per_model.get(key)
    if hit is None or hit[0] != fingerprint:
        hit = per_model[key] = (fingerprint, build())
    return hit[1]


def compiled(encoder: nn.Module, dtype: str, names: Sequence[str], needed: Sequence[int]) -> OpenVINOEncoder:
    """The cached :class:`OpenVINOEncoder` of ``encoder`` for these inputs and layers, built if new or stale.

    The converted graph is cached too, so a second dtype on the same model and layers only compiles.
    """
    fingerprint, names, needed = _fingerprint(encoder), _input_order(names), tuple(needed)

    def build() -> OpenVINOEncoder:
        graph = _cached(encoder, ("graph", names, needed), fingerprint, lambda: convert(encoder, names, needed))
        return OpenVINOEncoder(graph, encoder.config, dtype, names, needed)

    return _cached(encoder, (dtype, names, needed, torch.get_num_threads()), fingerprint, build)
