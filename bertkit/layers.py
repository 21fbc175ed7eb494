"""All encoder layers at once: stack ``hidden_states``, pick layers, and combine them into one vector per token.

``hidden_states`` from ``model(..., output_hidden_states=True)`` has ``num_hidden_layers + 1`` entries:
index 0 is the embedding layer (h0), index i the output of encoder layer i, index -1 the last layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

LayerSpec = int | Sequence[int] | slice | str
"""An index (negative counts from the end), a list of indices, a slice such as ``slice(-4, None)``, or ``"all"``."""

LAYER_POOLING = ("mean", "sum", "concat")
"""Values of ``layer_pooling``: how the layers chosen by ``layers=`` become one (:func:`combine_layers`,
:func:`bertkit.word_vectors`)."""


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
    *,
    layers: LayerSpec = -1,
    layer_pooling: str = "mean",
    weights: Tensor | Sequence[float] | None = None,
) -> Tensor:
    """Combine the chosen layers into one representation per token (the BERT paper's feature-based variants).

    The last layer is ``layers=-1``, the second-to-last ``layers=-2``; the sum of the last four is
    ``layers=[-4, -3, -2, -1], layer_pooling="sum"``, their concatenation the same with ``"concat"``; a weighted
    sum of all layers is ``layers="all", layer_pooling="sum", weights=[...]`` (:class:`ScalarMix` learns them).

    Args:
        stacked: (L+1, batch, seq, hidden) from :func:`stack_layers` (any (L+1, ...) stack works).
        layers: which layers, see :data:`LayerSpec`; default the last.
        layer_pooling: one of :data:`LAYER_POOLING`: ``"mean"``, ``"sum"`` or ``"concat"`` (along the last axis,
            in the order of ``layers``).
        weights: optional, one number per chosen layer: each layer is multiplied by its weight first.

    Returns:
        (batch, seq, hidden), or (batch, seq, k * hidden) for ``"concat"`` of k layers.

    Raises:
        ValueError: an unknown ``layer_pooling``, or ``weights`` of another length. See :func:`layer_indices`.
    """
    if layer_pooling not in LAYER_POOLING:
        raise ValueError(
            f"Unknown layer_pooling {layer_pooling!r}. Valid: {LAYER_POOLING}. Choose the layers with layers= "
            "(-1 the last, -2 the second to last, [-4, -3, -2, -1] the last four) and weigh them with weights=."
        )
    picked = stacked[layer_indices(stacked.shape[0], layers)]  # (k, batch, seq, hidden)
    if weights is not None:
        w = torch.as_tensor(weights, dtype=stacked.dtype, device=stacked.device)
        if w.shape != (picked.shape[0],):
            raise ValueError(
                f"weights has shape {tuple(w.shape)}; expected ({picked.shape[0]},), one per chosen layer."
            )
        picked = picked * w.view(-1, *([1] * (picked.dim() - 1)))
    if layer_pooling == "sum":
        return picked.sum(dim=0)
    if layer_pooling == "mean":
        return picked.mean(dim=0)
    return torch.cat(tuple(picked), dim=-1)  # concat: (batch, seq, k * hidden)


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
        weights = torch.softmax(self.scalars, dim=0)
        return self.gamma * combine_layers(stacked, layers="all", layer_pooling="sum", weights=weights)
