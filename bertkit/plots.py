"""Pictures of vectors: layer-by-layer similarity heatmaps, 2-D projections.

Nothing happens on import. For Hangul labels, call :func:`bertkit.book.use_korean_font` first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

PROJECTION = ("pca", "pacmap")
"""Values of ``projection`` in :func:`project_2d`."""


def _numpy(x: Tensor | np.ndarray) -> np.ndarray:
    return x.detach().float().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x, dtype=np.float32)


def cosine_matrix(a: Tensor, b: Tensor | None = None) -> Tensor:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (or of ``a``).

    Args:
        a: (n, hidden). b: (m, hidden) or None.

    Returns:
        (n, m) (or (n, n)) with values in [-1, 1].
    """
    a = torch.nn.functional.normalize(a.float(), dim=-1)
    b = a if b is None else torch.nn.functional.normalize(b.float(), dim=-1)
    return a @ b.T


def plot_heatmap(
    matrix: Tensor | np.ndarray,
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str = "",
    ax=None,
    annotate: bool = True,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
):
    """Draw a matrix (e.g. layer-by-layer cosine similarity or attention weights) as a heatmap.

    Args:
        matrix: (rows, cols). row_labels / col_labels: tick labels. annotate: write values in the cells.
        vmin / vmax: ends of the colour scale (default: the matrix's min and max); give several panels the
            same values so that one colour means one value in all of them.

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    values = _numpy(matrix)
    ax = ax if ax is not None else plt.subplots(figsize=(1 + 0.6 * values.shape[1], 1 + 0.5 * values.shape[0]))[1]
    image = ax.imshow(values, cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if row_labels is not None:
        ax.set_yticks(range(len(row_labels)), labels=list(row_labels))
    if col_labels is not None:
        ax.set_xticks(range(len(col_labels)), labels=list(col_labels), rotation=45, ha="right")
    if annotate and values.size <= 400:
        low, high = image.get_clim()
        middle = (low + high) / 2
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v < middle else "black")
    ax.set_title(title)
    return ax


def project_2d(vectors: Tensor | np.ndarray, projection: str = "pca", *, seed: int = 0) -> np.ndarray:
    """Project vectors to two dimensions.

    Args:
        vectors: (n, hidden). projection: one of :data:`PROJECTION`, ``"pca"`` (scikit-learn) or
            ``"pacmap"`` (the pacmap package).
        seed: random state, so the picture is the same on every run.

    Returns:
        (n, 2) float array.
    """
    if projection not in PROJECTION:
        raise ValueError(f"Unknown projection {projection!r}. Valid: {PROJECTION}.")
    x = _numpy(vectors)
    if x.ndim != 2 or x.shape[0] < 3:
        raise ValueError(f"Need (n, hidden) with n >= 3 to project, got shape {x.shape}.")
    if projection == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(x)
    import logging

    import pacmap

    neighbors = max(2, min(10, x.shape[0] - 2))
    logger = logging.getLogger("pacmap")  # it logs "random state is set" and small-sample notices on every call
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return pacmap.PaCMAP(n_components=2, n_neighbors=neighbors, random_state=seed).fit_transform(x, init="pca")
    finally:
        logger.setLevel(level)


def plot_2d(
    points: np.ndarray,
    labels: Sequence,
    *,
    names: Sequence[str] | None = None,
    title: str = "",
    ax=None,
):
    """Scatter 2-D points coloured by label.

    Args:
        points: (n, 2) from :func:`project_2d`. labels: n labels (any hashable). names: optional text per point.

    Returns:
        The matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(5, 4))[1]
    labels = list(labels)
    if len(labels) != len(points):
        raise ValueError(f"{len(points)} points but {len(labels)} labels.")
    for value in sorted(set(labels), key=str):
        idx = [i for i, lab in enumerate(labels) if lab == value]
        ax.scatter(points[idx, 0], points[idx, 1], label=str(value), s=25, alpha=0.8)
    if names is not None:
        for (x, y), name in zip(points, names):
            ax.annotate(str(name), (x, y), fontsize=7, alpha=0.7, xytext=(2, 2), textcoords="offset points")
    ax.legend(fontsize=8, loc="best")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax

