"""Record what any submodule outputs, with forward hooks that are always removed.

A hand-written hook loop easily goes wrong in two ways: the list of captured tensors grows across batches
and gets concatenated again at every step, or the hook is removed inside the loop after the first batch.
:func:`capture` keeps one entry per forward pass and removes its hooks when the ``with`` block ends,
also when the block raises.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn


def find_module(model: nn.Module, name: str) -> nn.Module:
    """Resolve a dotted path such as ``encoder.layer.5.output.LayerNorm``; negative indices work
    (``encoder.layer.-1.output.LayerNorm``).

    Raises:
        KeyError: the path names no submodule; the message lists close matches.
    """
    module = model
    for part in name.split("."):
        child = None
        if isinstance(module, (nn.ModuleList, nn.Sequential)) and part.lstrip("-").isdigit():
            index = int(part)
            if -len(module) <= index < len(module):
                child = module[index]
        else:
            child = getattr(module, part, None) if part in module._modules else None
        if not isinstance(child, nn.Module):
            names = [n for n, _ in model.named_modules() if n]
            close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
            hint = f" Close matches: {close}." if close else " List them with [n for n, _ in model.named_modules()]."
            raise KeyError(f"{type(model).__name__} has no submodule {name!r}.{hint}")
        module = child
    return module


class Captured(dict):
    """What :func:`capture` recorded: module name -> list of outputs, one tensor per forward pass."""

    def cat(self, name: str, dim: int = 0) -> Tensor:
        """All batches of one module joined along ``dim`` (the batch axis by default).

        Returns:
            e.g. (n_texts, seq, hidden) for a LayerNorm output when every batch has the same ``seq``.
        """
        if not self[name]:
            raise ValueError(f"Nothing was captured for {name!r}: run the model inside the with-block.")
        return torch.cat(self[name], dim=dim)


@contextmanager
def capture(model: nn.Module, *module_names: str) -> Iterator[Captured]:
    """Record the output of each named submodule for every forward pass inside the ``with`` block.

    Args:
        model: any ``nn.Module`` (a ``BertModel`` or a task model such as ``BertForSequenceClassification``,
            whose encoder paths start with ``bert.``).
        *module_names: dotted paths, e.g. ``"encoder.layer.-1.output.LayerNorm"``.

    Yields:
        :class:`Captured`: ``captured[name][i]`` is the (detached) output of the i-th forward pass; a module
        returning a tuple contributes its first element. For ``encoder.layer.{i}.output.LayerNorm`` each
        entry is (batch, seq, hidden) and equals ``hidden_states[i + 1]``.

    Raises:
        ValueError: no module name given. KeyError: unknown name (see :func:`find_module`).
    """
    if not module_names:
        raise ValueError("Name at least one submodule, e.g. capture(model, 'encoder.layer.-1.output.LayerNorm').")
    modules = {name: find_module(model, name) for name in module_names}  # fail before registering anything
    captured = Captured({name: [] for name in module_names})

    def recorder(name: str):
        def hook(_module: nn.Module, _inputs, output) -> None:
            first = output[0] if isinstance(output, (tuple, list)) else output
            captured[name].append(first.detach())

        return hook

    handles = [module.register_forward_hook(recorder(name)) for name, module in modules.items()]
    try:
        yield captured
    finally:
        for handle in handles:
            handle.remove()
