"""Record what any submodule outputs, with forward hooks that are always removed.

A hand-written hook loop easily goes wrong in two ways: the list of captured tensors grows across batches
and gets concatenated again at every step, or the hook is removed inside the loop after the first batch.
:func:`capture` keeps one entry per forward pass and removes its hooks when the ``with`` block ends,
also when the block raises. Its hooks act only in the thread that entered the block, so threads that share one
model each record their own forward passes.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn
from transformers.utils import ModelOutput


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


def _first_tensor(value: object) -> Tensor:
    """The tensor a module call stands for: itself, a tuple's or list's first item, a ``ModelOutput``'s first
    field (``last_hidden_state`` for an encoder), or a dict's first value."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, ModelOutput):
        value = value.to_tuple()[0] if len(value) else None
    elif isinstance(value, (tuple, list)):
        value = value[0] if value else None
    elif isinstance(value, dict):
        value = next(iter(value.values()), None)
    if not isinstance(value, Tensor):
        raise TypeError(
            f"capture records tensors, but this module gave {type(value).__name__}: name a submodule whose "
            "output (or input) is a tensor, e.g. 'encoder.layer.-1.output.LayerNorm'."
        )
    return value


class _Stop(BaseException):
    """Raised by a hook of ``capture(..., stop=True)`` to end the forward pass; the ``with`` block swallows it.

    A BaseException, like GeneratorExit: an ``except Exception`` inside the model must not swallow it.
    """


class Captured(dict):
    """What :func:`capture` recorded: module name -> list of tensors, one per forward pass."""

    def cat(self, name: str, dim: int = 0, *, pad_value: float | None = None) -> Tensor:
        """All batches of one module joined along ``dim`` (the batch axis by default).

        Args:
            name: a name given to :func:`capture`. dim: the axis to join along.
            pad_value: batches padded to different lengths (e.g. ``seq``) can't be joined as they are. None
                (the default) refuses them with a clear error; a number right-pads every batch to the longest
                along each other axis with it (``0.0``; mark padded positions yourself, e.g. from the
                attention masks).

        Returns:
            e.g. (n_texts, seq, hidden) for a LayerNorm output; ``seq`` is the longest batch's with ``pad_value``.

        Raises:
            ValueError: nothing captured, or batches of different shapes without ``pad_value``.
        """
        if name not in self:
            raise KeyError(f"{name!r} was not captured; captured: {list(self)}.")
        batches = self[name]
        if not batches:
            raise ValueError(f"Nothing was captured for {name!r}: run the model inside the with-block.")
        ndim = batches[0].dim()
        if any(b.dim() != ndim for b in batches):
            raise ValueError(f"The batches of {name!r} have different numbers of dimensions: {[b.dim() for b in batches]}.")
        axis = dim % ndim
        other = [a for a in range(ndim) if a != axis]
        shapes = [tuple(b.shape) for b in batches]
        if all(all(s[a] == shapes[0][a] for a in other) for s in shapes):
            return torch.cat(batches, dim=axis)
        if pad_value is None:
            raise ValueError(
                f"The batches of {name!r} have shapes {shapes}, which differ outside dim={dim} (texts padded to "
                "different lengths), so they can't be joined as they are. Pass pad_value=0.0 to right-pad them "
                "to the longest, pool each batch before joining, or encode with padding='max_length'."
            )
        size = [max(s[a] for s in shapes) for a in range(ndim)]
        padded = []
        for b in batches:
            pad: list[int] = []  # torch's F.pad order: last axis first, (left, right) each
            for a in reversed(range(ndim)):
                pad += [0, 0 if a == axis else size[a] - b.shape[a]]
            padded.append(torch.nn.functional.pad(b, pad, value=pad_value))
        return torch.cat(padded, dim=axis)


class _Recorder:
    """The hooks of one :func:`capture` block: they record (and with ``stop`` end the pass) only in its thread."""

    def __init__(self, captured: Captured, device: str | torch.device | None, stop: bool) -> None:
        self.captured, self.device, self.stop = captured, device, stop
        self.owner = threading.get_ident()

    def keep(self, name: str, value: object) -> None:
        tensor = _first_tensor(value).detach()
        self.captured[name].append(tensor if self.device is None else tensor.to(self.device))
        if self.stop and len({len(records) for records in self.captured.values()}) == 1:
            raise _Stop

    def output_hook(self, name: str):
        def hook(_module: nn.Module, _inputs, output) -> None:
            if threading.get_ident() == self.owner:
                self.keep(name, output)

        return hook

    def input_hook(self, name: str):
        # kwargs=None: another thread may call the hook in the instant between torch registering it and marking
        # it as taking keyword arguments
        def hook(_module: nn.Module, args, kwargs=None) -> None:
            if threading.get_ident() != self.owner:
                return
            kwargs = kwargs or {}
            first = next(iter(kwargs.values()), None)
            self.keep(name, args[0] if args else kwargs.get("hidden_states", kwargs.get("hidden_state", first)))

        return hook


@contextmanager
def capture(
    model: nn.Module,
    *module_names: str,
    inputs: bool = False,
    device: str | torch.device | None = None,
    stop: bool = False,
) -> Iterator[Captured]:
    """Record the output (or input) of each named submodule for every forward pass inside the ``with`` block.

    Args:
        model: any ``nn.Module`` (a ``BertModel`` or a task model such as ``BertForSequenceClassification``,
            whose encoder paths start with ``bert.``).
        *module_names: dotted paths, e.g. ``"encoder.layer.-1.output.LayerNorm"``.
        inputs: record what each module receives (its first positional argument, or ``hidden_states``
            passed by keyword) instead of what it returns. The input of ``encoder.layer.{i}`` is
            ``hidden_states[i]``.
        device: where to keep the records, e.g. ``"cpu"`` so that a long run does not fill the GPU;
            None keeps them where they were computed.
        stop: end the forward pass as soon as every named module has been recorded once in it, so the modules
            after them are never computed; the ``with`` block then ends quietly at the model call (put nothing
            after it inside the block).

    The hooks act only in the thread that entered the ``with`` block: a forward pass that another thread runs
    on the same model meanwhile is neither recorded nor stopped.

    Yields:
        :class:`Captured`: ``captured[name][i]`` is the (detached) tensor of the i-th forward pass. A module
        returning a tuple or list contributes its first item, a ``ModelOutput`` its first field (so
        ``capture(task_model, "bert")`` records ``last_hidden_state``). For
        ``encoder.layer.{i}.output.LayerNorm`` each entry is (batch, seq, hidden) and equals
        ``hidden_states[i + 1]``.

    Raises:
        ValueError: no module name given. KeyError: unknown name (see :func:`find_module`).
        TypeError: at the forward pass, a module whose output (or input) holds no tensor.
    """
    if not module_names:
        raise ValueError("Name at least one submodule, e.g. capture(model, 'encoder.layer.-1.output.LayerNorm').")
    modules = {name: find_module(model, name) for name in module_names}  # fail before registering anything
    captured = Captured({name: [] for name in module_names})

    recorder = _Recorder(captured, device, stop)
    if inputs:
        handles = [module.register_forward_pre_hook(recorder.input_hook(name), with_kwargs=True)
                   for name, module in modules.items()]
    else:
        handles = [module.register_forward_hook(recorder.output_hook(name)) for name, module in modules.items()]
    try:
        yield captured
    except _Stop:
        pass  # stop=True ended the forward pass on purpose
    finally:
        for handle in handles:
            handle.remove()
