"""Saved vectors that remember where they came from: a ``.npy`` file and a small JSON file beside it.

Vectors of two checkpoints, two layers or two poolings look alike (same shape, same dtype) and mix up
silently. :func:`save_vectors` writes ``NAME.npy`` and ``NAME.meta.json`` (checkpoint, sha256 of the
bundled weights, layers, pooling, L2 normalization, max length, long-text policy, shape), and
:func:`load_vectors` reads them back and raises :class:`VectorsMismatchError` when they do not match the
model or the settings asked for. Searching is left to the kept libraries (``sentence_transformers.util.
semantic_search``, faiss); this module only stores.

    >>> vectors = bertkit.extract(texts, model=model, tokenizer=tokenizer)[:, 0]
    >>> meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    >>> bertkit.save_vectors("reviews.npy", vectors, meta)
    >>> vectors, meta = bertkit.load_vectors("reviews.npy", model=model, expect={"pooling": "mean"})
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .loading import BUNDLED_SHA256, is_bundled
from .long_texts import max_input_length

__all__ = ["VectorsMismatchError", "describe_vectors", "load_vectors", "metadata_path", "save_vectors"]

FORMAT = 1
"""Version of the metadata layout."""

_MODEL_KEYS = ("checkpoint", "sha256", "model_type", "hidden_size", "num_hidden_layers")


class VectorsMismatchError(ValueError):
    """Saved vectors were made by another model, or with other settings, than the ones asked for."""


def metadata_path(path: str | os.PathLike) -> Path:
    """``vectors.npy`` -> ``vectors.meta.json`` (the file beside it)."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


def _checkpoint_name(model: PreTrainedModel) -> str:
    if is_bundled(model):
        return "bundled:all-MiniLM-L6-v2"  # its folder differs between machines; the sha256 identifies it
    source = str(getattr(model.config, "_name_or_path", "") or "")
    return os.path.realpath(source) if source and os.path.isdir(source) else source


def describe_vectors(
    tokenizer: PreTrainedTokenizerBase | None,
    model: PreTrainedModel,
    *,
    layers: list[int],
    pooling: str,
    normalized: bool,
    max_length: int | None = None,
    long_texts: str = "truncate",
    stride: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata of vectors made by ``model`` with these settings (JSON-ready).

    Args:
        layers: the hidden-state indices pooled (as :func:`bertkit.layer_indices` gives them: 0 = embeddings).
        pooling: the pooling mode. ``normalized``: whether every vector was divided by its L2 norm.
        max_length: tokens read per text (or per window); default :func:`bertkit.max_input_length`.
        long_texts, stride: the long-text policy used (see :mod:`bertkit.long_texts`).
        **extra: anything else to record (e.g. ``corpus="reviews_en/train"``); compared like the rest.
    """
    if max_length is None:
        if tokenizer is None:
            raise ValueError("describe_vectors needs the tokenizer to find max_length; pass one, or max_length=.")
        max_length = max_input_length(tokenizer, model)
    config = model.config
    return {
        "format": FORMAT,
        "checkpoint": _checkpoint_name(model),
        "sha256": BUNDLED_SHA256 if is_bundled(model) else None,
        "model_type": config.model_type,
        "hidden_size": int(config.hidden_size),
        "num_hidden_layers": int(config.num_hidden_layers),
        "layers": [int(i) for i in layers],
        "pooling": pooling,
        "normalized": bool(normalized),
        "max_length": int(max_length),
        "long_texts": long_texts,
        "stride": int(stride),
        **extra,
    }


def save_vectors(path: str | os.PathLike, vectors: np.ndarray, metadata: dict[str, Any]) -> Path:
    """Write ``vectors`` (n, dim) or (n, n_layers, dim) to ``path`` (a ``.npy``) and the metadata beside it.

    The metadata gains ``shape`` and ``dtype``. Returns the path of the metadata file.
    """
    path = Path(path)
    if path.suffix != ".npy":
        raise ValueError(f"path={str(path)!r} must end in .npy.")
    vectors = np.asarray(vectors)
    if vectors.ndim not in (2, 3) or vectors.shape[-1] != metadata.get("hidden_size", vectors.shape[-1]):
        raise ValueError(
            f"vectors of shape {vectors.shape} do not fit the metadata: expected (n, {metadata.get('hidden_size')}) "
            "or (n, n_layers, hidden)."
        )
    np.save(path, vectors)
    meta_file = metadata_path(path)
    meta_file.write_text(
        json.dumps({**metadata, "shape": list(vectors.shape), "dtype": str(vectors.dtype)}, indent=1) + "\n",
        encoding="utf-8",
    )
    return meta_file


def load_vectors(
    path: str | os.PathLike,
    *,
    model: PreTrainedModel | None = None,
    expect: dict[str, Any] | None = None,
    mmap: bool = True,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read vectors and their metadata, checking both against what the caller is about to compare them with.

    Args:
        path: the ``.npy`` written by :func:`save_vectors` (its ``.meta.json`` must be beside it).
        model: when given, the vectors must come from this model (checkpoint, sha256, type and size).
        expect: settings that must match, e.g. ``{"pooling": "mean", "normalized": True, "layers": [6]}``.
        mmap: open the array read-only with ``np.memmap`` instead of reading it into memory.

    Returns:
        ``(vectors, metadata)``.

    Raises:
        FileNotFoundError: no metadata beside the file (vectors of unknown origin are refused).
        VectorsMismatchError: naming every field that differs, and what to do.
    """
    path = Path(path)
    meta_file = metadata_path(path)
    if not meta_file.is_file():
        raise FileNotFoundError(
            f"{meta_file} is missing: without it nobody knows which model made {path.name}. "
            "Extract the vectors again and save them with bertkit.save_vectors."
        )
    metadata = json.loads(meta_file.read_text(encoding="utf-8"))
    vectors = np.load(path, mmap_mode="r" if mmap else None)
    wanted: dict[str, Any] = {}
    if model is not None:
        here = describe_vectors(None, model, layers=[], pooling="", normalized=False, max_length=0)
        wanted.update({key: here[key] for key in _MODEL_KEYS})
    wanted.update(expect or {})
    wrong = {key: (metadata.get(key), value) for key, value in wanted.items() if metadata.get(key) != value}
    if list(vectors.shape) != metadata.get("shape"):
        wrong["shape"] = (list(vectors.shape), metadata.get("shape"))
    if wrong:
        details = "; ".join(f"{key}: file has {have!r}, asked for {want!r}" for key, (have, want) in wrong.items())
        raise VectorsMismatchError(
            f"{path.name} does not match ({details}). Comparing vectors of different models or settings gives "
            "meaningless similarities: extract the corpus again with this model and these settings."
        )
    return vectors, metadata
