"""Run a model in eval mode without gradients, and put its mode back afterwards, from any number of threads."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

# Per model: how many calls are inside `evaluating` now, and the mode to restore when the last one leaves.
# One lock for all models: entering and leaving take microseconds, the forward passes run outside it.
_LOCK = threading.Lock()
_ACTIVE: weakref.WeakKeyDictionary[nn.Module, tuple[int, bool]] = weakref.WeakKeyDictionary()


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Inside the block the model is in eval mode (no dropout) and no gradients are recorded.

    The model's training flag is restored when the last of the threads using it leaves the block, so a thread
    that leaves early cannot switch dropout back on under another thread's forward pass.

    ``torch.no_grad`` rather than ``inference_mode``: readers feed the returned tensors into other modules
    (a pooler, a classifier head), which inference tensors refuse when those modules need gradients.

    Example:
        >>> with evaluating(model):
        ...     out = model(**encoding)
    """
    with _LOCK:
        count, was_training = _ACTIVE.get(model, (0, model.training))
        _ACTIVE[model] = (count + 1, was_training)
        model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        with _LOCK:
            count, was_training = _ACTIVE[model]
            if count == 1:
                del _ACTIVE[model]
                model.train(was_training)
            else:
                _ACTIVE[model] = (count - 1, was_training)
