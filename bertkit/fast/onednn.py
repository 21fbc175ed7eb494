"""The packed oneDNN path for float32 ``nn.Linear`` layers on a CPU: the layers that int8 leaves in float32 when
PyTorch computes ``extract(..., dtype="int8")`` (see :mod:`bertkit.fast`).

    >>> import bertkit.fast.onednn
    >>> bertkit.fast.onednn.ONEDNN = False     # force PyTorch's default matrix multiply
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

__all__ = ["ONEDNN", "packed_linears"]

ONEDNN: bool | None = None
"""Run the encoder's linear layers on CPU through oneDNN with packed weights: None (default) decides once per
process by timing both on one of the model's own layers; True or False forces the choice. Results agree with
the default path to about 1e-6."""


# Hand-written on purpose: eager nn.Linear on a CPU multiplies with the weight in its plain layout at every call.
# oneDNN's kernels are faster with a weight reordered ("packed") once into their blocked layout, but eager
# PyTorch has no public API that keeps a weight packed (torch.compile with freezing can, after compiling the
# model first). On the bundled model and a 2-core CPU this path took extract from 1.13x to 1.21-1.25x the speed
# of SentenceTransformer.encode (benchmarks/README.md). It is timed and checked against F.linear before use and
# skipped when the private ops are missing, so a torch without them only loses the speed-up.
def _packed_forward(weight: Tensor, bias: Tensor | None, x: Tensor) -> Tensor:
    return torch.ops.mkldnn._linear_pointwise(x.contiguous(), weight, bias, "none", [], "")


_LOCK = threading.Lock()
_USERS: weakref.WeakKeyDictionary[nn.Module, int] = weakref.WeakKeyDictionary()
"""encoder -> how many threads are inside packed_linears with it: the first packs, the last restores."""
_PACKED: weakref.WeakSet[nn.Module] = weakref.WeakSet()  # the layers whose forward _pack replaced


@contextmanager
def packed_linears(encoder: nn.Module) -> Iterator[None]:
    """While inside, the encoder's plain fp32 CPU ``nn.Linear`` layers multiply with oneDNN and packed weights.

    Each layer gets a ``forward`` of its own, removed when the last thread using the encoder leaves (also on an
    error), so threads sharing the encoder all run the same path; the weights are packed again at every first
    entry, so a model changed between calls is never stale.
    """
    try:
        with _LOCK:
            users = _USERS.get(encoder, 0)
            _USERS[encoder] = users + 1
            if users == 0:
                _pack(encoder)
        yield
    finally:
        with _LOCK:
            _USERS[encoder] -= 1
            if _USERS[encoder] == 0:
                del _USERS[encoder]
                for m in encoder.modules():
                    if m in _PACKED:
                        m.__dict__.pop("forward", None)
                        _PACKED.discard(m)


def _pack(encoder: nn.Module) -> None:
    """Give each plain fp32 CPU ``nn.Linear`` of ``encoder`` a packed oneDNN ``forward``, when that is faster."""
    linears = [
        m
        for m in encoder.modules()
        if type(m) is nn.Linear
        and "forward" not in m.__dict__  # someone else already replaced it: leave it alone
        and m.weight.device.type == "cpu"
        and m.weight.dtype == torch.float32
    ]
    if not linears or not _onednn_is_faster(max(linears, key=lambda m: m.weight.numel())):
        return
    with torch.inference_mode():
        for m in linears:
            packed = torch.ops.mkldnn._reorder_linear_weight(m.weight.detach(), None)
            m.forward = functools.partial(_packed_forward, packed, m.bias)  # type: ignore[method-assign]
            _PACKED.add(m)


_ONEDNN_FASTER: dict[tuple[int, ...], bool] = {}


def _onednn_is_faster(linear: nn.Linear) -> bool:
    """Whether oneDNN with packed weights computes this layer correctly and faster (decided once per shape)."""
    if ONEDNN is not None:
        return ONEDNN and _onednn_available()
    shape = tuple(linear.weight.shape)
    if shape not in _ONEDNN_FASTER:
        _ONEDNN_FASTER[shape] = _onednn_available() and _time_onednn(linear)
    return _ONEDNN_FASTER[shape]


@functools.cache
def _onednn_available() -> bool:
    try:
        return torch.backends.mkldnn.is_available() and callable(torch.ops.mkldnn._linear_pointwise)
    except (AttributeError, RuntimeError):
        return False


def _time_onednn(linear: nn.Linear, rows: int = 1024, rounds: int = 5) -> bool:
    """Time both ways on ``rows`` random inputs, alternating; check that they agree."""
    try:
        with torch.inference_mode():
            x = torch.randn(rows, linear.in_features, generator=torch.Generator().manual_seed(0))
            packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
            default, onednn = functools.partial(nn.functional.linear, x, linear.weight, linear.bias), functools.partial(
                _packed_forward, packed, linear.bias, x
            )
            if not torch.allclose(default(), onednn(), rtol=1e-4, atol=1e-5):
                return False
            best = {default: float("inf"), onednn: float("inf")}
            for _ in range(rounds):
                for fn in best:
                    start = time.perf_counter()
                    fn()
                    best[fn] = min(best[fn], time.perf_counter() - start)
            return best[onednn] < 0.95 * best[default]
    except RuntimeError:
        return False
