"""One forward pass that returns only the hidden states asked for, and computes nothing above the highest.

    >>> states = LayerStates(model.base_model, [0, 3])
    >>> states(batch)                       # {0: (batch, seq, hidden), 3: (batch, seq, hidden)}

``hidden_states[i]`` is the input of the encoder's block i (:func:`bertkit.capture` with ``inputs=True``) and
``hidden_states[-1]`` its ``last_hidden_state``. When every state asked for is below the last block, the pass
stops after the highest (``capture(..., stop=True)``): ``layers=0`` runs the embeddings only. Whether the hooks see
exactly what ``output_hidden_states=True`` returns is checked once per model; where they do not (or the encoder
has no list of ``num_hidden_layers`` blocks) the full ``hidden_states`` are computed instead.

The hooks act only in the calling thread, so threads that share one model may each run their own passes.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .eval_mode import evaluating
from .hooks import capture

__all__ = ["LayerStates"]

_HOOKS_MATCH: weakref.WeakKeyDictionary[nn.Module, bool] = weakref.WeakKeyDictionary()
"""encoder -> whether hooks on its blocks give exactly ``hidden_states`` (checked once per model)."""


def block_names(encoder: nn.Module) -> list[str] | None:
    """Names of the encoder's ``num_hidden_layers`` blocks (``encoder.layer.0``, ... for BERT), if it has such a list."""
    config: Any = encoder.config
    for name, module in encoder.named_modules():
        if isinstance(module, nn.ModuleList) and len(module) == config.num_hidden_layers:
            return [f"{name}.{i}" for i in range(len(module))]
    return None


class LayerStates:
    """``states(batch)``: ``{i: (batch, seq, hidden)}`` for each index in ``needed`` (0 = the embeddings).

    Args:
        encoder: the bare encoder (``model.base_model``), in eval mode while it runs.
        needed: hidden-state indices in ``0 .. num_hidden_layers``, each once, in any order.
    """

    def __init__(self, encoder: nn.Module, needed: Sequence[int]) -> None:
        self.encoder, self.needed = encoder, sorted(set(needed))
        self.names = block_names(encoder)
        if self.names is not None and encoder not in _HOOKS_MATCH:
            _HOOKS_MATCH[encoder] = self._hooks_match_hidden_states()
        self.use_hooks = self.names is not None and _HOOKS_MATCH[encoder]

    def __call__(self, batch: dict[str, Tensor]) -> dict[int, Tensor]:
        if not self.use_hooks:
            hidden = self.encoder(**batch, output_hidden_states=True).hidden_states
            return {i: hidden[i] for i in self.needed}
        return self._capture(batch, self.needed)

    def _capture(self, batch: dict[str, Tensor], needed: list[int]) -> dict[int, Tensor]:
        assert self.names is not None
        last = len(self.names)
        inner = [i for i in needed if i < last]
        names = [self.names[i] for i in inner]
        if needed[-1] < last:
            with capture(self.encoder, *names, inputs=True, stop=True) as captured:
                self.encoder(**batch)
            return {i: captured[name][0] for i, name in zip(inner, names)}
        with contextlib.ExitStack() as stack:
            records: Any = stack.enter_context(capture(self.encoder, *names, inputs=True)) if names else {}
            output = self.encoder(**batch)
        return {**{i: records[name][0] for i, name in zip(inner, names)}, last: output.last_hidden_state}

    def _hooks_match_hidden_states(self) -> bool:
        """Whether hooks capture exactly what ``output_hidden_states=True`` returns, on a padded two-row batch."""
        assert self.names is not None
        config: Any = self.encoder.config
        device = next(self.encoder.parameters()).device
        token = min(5, int(config.vocab_size) - 1)  # an ordinary id; no tokenizer is needed for the check
        batch = {
            "input_ids": torch.full((2, 6), token, dtype=torch.long, device=device),
            "attention_mask": torch.tensor([[1] * 6, [1] * 4 + [0] * 2], device=device),
        }
        try:
            with evaluating(self.encoder):
                reference = self.encoder(**batch, output_hidden_states=True).hidden_states
                captured = self._capture(batch, list(range(len(self.names) + 1)))
        except Exception:
            return False
        return reference is not None and all(
            torch.equal(captured.get(i, torch.empty(0)), reference[i]) for i in range(len(reference))
        )
