"""All encoder layers at once: stack ``hidden_states``, pick layers, and combine them into one vector per token.

``hidden_states`` from ``model(..., output_hidden_states=True)`` has ``num_hidden_layers + 1`` entries:
index 0 is the embedding layer (h0), index i the output of encoder layer i, index -1 the last layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ._deprecated import renamed_argument

LayerSpec = int | Sequence[int] | slice | str
"""An index (negative counts from the end), a list of indices, a slice such as ``slice(-4, None)``, or ``"all"``."""

COMBINE_MODES = ("last", "second_to_last", "sum", "mean", "concat", "weighted")
"""How :func:`combine_layers` turns several layers into one."""


def stack_layers(hidden_states: Sequence[Tensor] | None) -> Tensor:
    """Stack the per-layer tensors of ``outputs.hidden_states`` into one tensor.

    Args:
        hidden_states: tuple of L+1 tensors, each (batch, seq, hidden).

    Returns:
        Tensor (L+1, batch, seq, hidden); ``[0]`` is the embedding layer, ``[-1]`` equals ``last_hidden_state``.

    Raises:
        ValueError: ``hidden_states`` is None (the model was called without ``output_hidden_states=True``),
            empty, or of mixed shapes.
    """
    if hidden_states is None:
        raise ValueError(
            "hidden_states is None: call the model with output_hidden_states=True "
            "(or load it with bertkit.load(output_hidden_states=True))."
        )
    states = tuple(hidden_states)
    if not states:
        raise ValueError(
            "hidden_states is empty: pass outputs.hidden_states of a model called with output_hidden_states=True "
            "(a tuple of num_hidden_layers + 1 tensors)."
        )
    shapes = {tuple(t.shape) for t in states}
    if len(shapes) > 1:
        raise ValueError(f"The hidden states have different shapes {sorted(shapes)}: pass one model call's hidden_states.")
    return torch.stack(states, dim=0)


def layer_indices(n_states: int, layers: LayerSpec) -> list[int]:
    """Turn a layer spec into non-negative indices into the L+1 stacked states.

    Args:
        n_states: number of stacked states (``num_hidden_layers + 1``).
        layers: see :data:`LayerSpec`.

    Returns:
        Indices in 0..n_states-1, in the order asked for.

    Raises:
        IndexError: an index outside the model, with the valid range.
        ValueError: an empty selection or an unknown string.
        TypeError: a spec of another type.
    """
    n_layers = n_states - 1
    valid = (
        f"This model has {n_layers} encoder layers, so hidden_states has {n_states} entries: "
        f"valid indices are 0..{n_layers} (0 = embedding layer) or -{n_states}..-1."
    )
    if isinstance(layers, str):
        if layers != "all":
            raise ValueError(f"Unknown layer spec {layers!r}: use an index, a list, a slice or 'all'. {valid}")
        return list(range(n_states))
    if isinstance(layers, slice):
        picked = list(range(n_states))[layers]
        if not picked:
            raise ValueError(f"The slice {layers} selects no layer. {valid}")
        return picked
    single = isinstance(layers, int) and not isinstance(layers, bool)
    items: list[object] | None = [layers] if single else list(layers) if isinstance(layers, Sequence) else None
    if items is None or not items or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise TypeError(f"Layer spec must be an int, a non-empty list of ints, a slice or 'all', not {layers!r}.")
    indices = [i for i in items if isinstance(i, int)]  # all of them, after the check above
    for i in indices:
        if not -n_states <= i < n_states:
            raise IndexError(f"Layer {i} does not exist. {valid}")
    return [i % n_states for i in indices]


def select_layers(stacked: Tensor, layers: LayerSpec) -> Tensor:
    """Pick layers from a stack made by :func:`stack_layers`.

    Args:
        stacked: (L+1, batch, seq, hidden).
        layers: see :data:`LayerSpec`.

    Returns:
        (k, batch, seq, hidden), k = number of layers picked (1 for an int: nothing is squeezed).
    """
    return stacked[layer_indices(stacked.shape[0], layers)]


def combine_layers(
    stacked: Tensor,
    layer_pooling: str = "last",
    *,
    k: int = 4,
    weights: Tensor | Sequence[float] | None = None,
    how: str | None = None,
) -> Tensor:
    """Combine layers into one representation per token (the BERT paper's feature-based variants).

    Args:
        stacked: (L+1, batch, seq, hidden) from :func:`stack_layers`.
        layer_pooling: one of :data:`COMBINE_MODES` (the same argument as in :func:`bertkit.word_vectors`). ``"last"``, ``"second_to_last"``; ``"sum"``, ``"mean"`` or
            ``"concat"`` of the last ``k`` layers; ``"weighted"``: sum of all L+1 layers with ``weights``.
        k: how many of the last layers ``sum``/``mean``/``concat`` use.
        weights: L+1 weights for ``"weighted"`` (use :class:`ScalarMix` to learn them).

    Returns:
        (batch, seq, hidden), or (batch, seq, k * hidden) for ``"concat"``.

    ``how=`` is the 0.1 name of ``layer_pooling`` (works until 0.3, with a DeprecationWarning).
    """
    how = renamed_argument("bertkit.combine_layers", "layer_pooling", layer_pooling, "how", how, "last")
    n_states = stacked.shape[0]
    if how not in COMBINE_MODES:
        raise ValueError(f"Unknown combination {how!r}. Valid: {COMBINE_MODES}.")
    if how == "last":
        return stacked[-1]
    if how == "second_to_last":
        return stacked[layer_indices(n_states, -2)[0]]
    if how == "weighted":
        if weights is None:
            raise ValueError(f"layer_pooling='weighted' needs weights: {n_states} numbers, one per stacked state.")
        w = torch.as_tensor(weights, dtype=stacked.dtype, device=stacked.device)
        if w.shape != (n_states,):
            raise ValueError(f"weights has shape {tuple(w.shape)}; expected ({n_states},), one per stacked state.")
        return torch.einsum("l,lbsh->bsh", w, stacked)
    if not 1 <= k <= n_states:
        raise ValueError(f"k={k} is outside 1..{n_states}, the number of stacked states.")
    last_k = stacked[-k:]
    if how == "sum":
        return last_k.sum(dim=0)
    if how == "mean":
        return last_k.mean(dim=0)
    return torch.cat(tuple(last_k), dim=-1)  # concat: (batch, seq, k * hidden)


class ScalarMix(nn.Module):
    """A learnable weighted sum of layers: ``gamma * sum_l softmax(s)_l * h_l`` (ELMo's scalar mix).

    Args:
        n_states: number of stacked states it mixes (``num_hidden_layers + 1``).
    """

    def __init__(self, n_states: int) -> None:
        super().__init__()
        self.scalars = nn.Parameter(torch.zeros(n_states))
        self.gamma = nn.Parameter(torch.ones(()))

    def forward(self, stacked: Tensor) -> Tensor:
        """(L+1, batch, seq, hidden) -> (batch, seq, hidden)."""
        if stacked.shape[0] != self.scalars.shape[0]:
            raise ValueError(f"ScalarMix was built for {self.scalars.shape[0]} states, got {stacked.shape[0]}.")
        return self.gamma * combine_layers(stacked, "weighted", weights=torch.softmax(self.scalars, dim=0))
