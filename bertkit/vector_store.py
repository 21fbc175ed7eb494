"""Saved vectors that remember where they came from: a ``.npy`` file and a small JSON file beside it.

Vectors of two checkpoints, two layers or two poolings look alike (same shape, same dtype) and mix up
silently. :func:`save_vectors` writes ``NAME.npy`` and ``NAME.meta.json``: fingerprints of the model's weights
and of its tokenizer (computed from the weights and the vocabulary themselves, so a renamed folder still matches
and a weight changed in place does not), the layers (non-negative indices, 0 = embeddings), pooling, L2
normalization (checked against the norms), width, compute dtype, any transform such as whitening, max length
and long-text policy. :func:`load_vectors` reads them back and raises :class:`VectorsMismatchError` when they do
not match the model, the tokenizer or the settings asked for. Searching is left to the kept libraries
(``sentence_transformers.util.semantic_search``, faiss); this module only stores.

    >>> vectors = bertkit.extract(texts, model=model, tokenizer=tokenizer)[:, 0]
    >>> meta = bertkit.describe_vectors(tokenizer, model, layers=[-1], pooling="mean", normalized=False)
    >>> bertkit.save_vectors("reviews.npy", vectors, meta)
    >>> vectors, meta = bertkit.load_vectors("reviews.npy", model=model, expect={"pooling": "mean"})
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .layers import LayerSpec, layer_indices
from .long_texts import max_input_length
from .vocabulary import vocab_fingerprint

__all__ = [
    "VectorsMismatchError", "describe_vectors", "load_vectors", "metadata_path", "save_vectors", "weights_fingerprint",
]

FORMAT = 2
"""Version of the metadata layout; :func:`load_vectors` refuses files of another version."""

_ALWAYS_COMPARED = {"transform": None}
"""Compared even when ``expect`` leaves them out: vectors with a transform only compare with queries given it."""


class VectorsMismatchError(ValueError):
    """Saved vectors were made by another model, or with other settings, than the ones asked for."""


def metadata_path(path: str | os.PathLike) -> Path:
    """``vectors.npy`` -> ``vectors.meta.json`` (the file beside it)."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


def weights_fingerprint(model: PreTrainedModel) -> str:
    """sha256 of the encoder's weights themselves: every parameter and buffer of ``model.base_model`` (so a task
    model and the bare encoder it wraps agree when the encoder's tensors do), by name, dtype, shape and bytes.

    Computed on every call (one pass over the weights): a weight changed in place gives another fingerprint.
    """
    base: Any = getattr(model, "base_model", model)
    digest = hashlib.sha256()
    for name, tensor in sorted(base.state_dict(keep_vars=False).items()):
        data = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}|{data.dtype}|{tuple(data.shape)}|".encode())
        digest.update(data.view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    return digest.hexdigest()


def _checkpoint_name(model: PreTrainedModel) -> str:
    source = str(getattr(model.config, "_name_or_path", "") or "")
    return os.path.realpath(source) if source and os.path.isdir(source) else source


def describe_vectors(
    tokenizer: PreTrainedTokenizerBase,
    model: PreTrainedModel,
    *,
    layers: LayerSpec,
    pooling: str,
    normalized: bool,
    dtype: str = "float32",
    transform: Any = None,
    max_length: int | None = None,
    long_texts: str = "truncate",
    stride: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata of vectors made by ``model`` with these settings (JSON-ready).

    Args:
        tokenizer, model: what made the vectors; their fingerprints are recorded (:func:`weights_fingerprint`,
            :func:`bertkit.vocab_fingerprint`), the checkpoint's name only for people to read.
        layers: the hidden-state layers pooled, as ``extract(layers=)`` takes them; recorded as non-negative
            indices (0 = embeddings), so ``-1`` and the last layer's number are the same layer.
        pooling: how tokens became a vector (``"mean"``, or e.g. ``"first_last"`` for word vectors).
        normalized: whether every vector was divided by its L2 norm (:func:`save_vectors` checks it).
        dtype: the compute dtype (``extract(dtype=)``).
        transform: what was applied after pooling (e.g. ``{"whitening": 64, "fitted_on": "reviews_en/train"}``),
            JSON-ready; None for none. :func:`load_vectors` refuses a transformed file unless it is expected.
        max_length: tokens read per text (or per window); default :func:`bertkit.max_input_length`.
        long_texts, stride: the long-text policy used (see :mod:`bertkit.long_texts`).
        **extra: anything else to record (e.g. ``corpus="reviews_en/train"``); compared when expected.
    """
    config = model.config
    return {
        "format": FORMAT,
        "checkpoint": _checkpoint_name(model),
        "weights_sha256": weights_fingerprint(model),
        "tokenizer_sha256": vocab_fingerprint(tokenizer),
        "model_type": config.model_type,
        "hidden_size": int(config.hidden_size),
        "num_hidden_layers": int(config.num_hidden_layers),
        "layers": layer_indices(int(config.num_hidden_layers) + 1, layers),
        "pooling": pooling,
        "normalized": bool(normalized),
        "dtype": str(dtype),
        "transform": transform,
        "max_length": int(max_length if max_length is not None else max_input_length(tokenizer, model)),
        "long_texts": long_texts,
        "stride": int(stride),
        **extra,
    }


def _check_fits(vectors: np.ndarray, metadata: dict[str, Any]) -> None:
    """Raise ValueError when ``vectors`` can't be what ``metadata`` describes."""
    n_layers = len(metadata.get("layers") or [None])
    if vectors.ndim not in (2, 3) or (vectors.ndim == 3 and vectors.shape[1] != n_layers):
        raise ValueError(
            f"vectors of shape {vectors.shape} do not fit the metadata: expected (n, dim), or (n, {n_layers}, dim) "
            f"for its {n_layers} layer(s)."
        )
    if metadata.get("normalized"):
        norms = np.linalg.norm(vectors.astype(np.float64), axis=-1)
        tolerance = max(1e-4, 10 * float(np.finfo(vectors.dtype).eps)) if vectors.dtype.kind == "f" else 0.0
        worst = float(np.abs(norms - 1).max())
        if not worst <= tolerance:
            raise ValueError(
                f"The metadata says normalized=True but the vectors' L2 norms range from {norms.min():.4g} to "
                f"{norms.max():.4g}: divide each by its norm first (x / np.linalg.norm(x, axis=-1, keepdims=True)), "
                "or describe them with normalized=False."
            )


def save_vectors(path: str | os.PathLike, vectors: np.ndarray, metadata: dict[str, Any]) -> Path:
    """Write ``vectors`` (n, dim) or (n, n_layers, dim) to ``path`` (a ``.npy``) and the metadata beside it.

    Any width is stored (whitened vectors keep fewer dimensions, concatenated ones more). The metadata gains
    ``shape``, ``dim`` (the width) and ``output_dtype`` (the array's NumPy dtype). Returns the path of the
    metadata file.

    Raises:
        ValueError: a path not ending in ``.npy``, a shape that does not fit the layers recorded, or vectors
            described as normalized whose L2 norms are not 1.
    """
    path = Path(path)
    if path.suffix != ".npy":
        raise ValueError(f"path={str(path)!r} must end in .npy.")
    vectors = np.asarray(vectors)
    _check_fits(vectors, metadata)
    np.save(path, vectors)
    meta_file = metadata_path(path)
    written = {**metadata, "shape": list(vectors.shape), "dim": int(vectors.shape[-1]),
               "output_dtype": str(vectors.dtype)}
    meta_file.write_text(json.dumps(written, indent=1) + "\n", encoding="utf-8")
    return meta_file


def _wanted(metadata: dict[str, Any], tokenizer, model, expect: dict[str, Any] | None) -> dict[str, Any]:
    """The fields to compare and the values asked for; ``layers`` in the file's non-negative numbering."""
    wanted: dict[str, Any] = dict(_ALWAYS_COMPARED)
    if model is not None:
        wanted["weights_sha256"] = weights_fingerprint(model)
    if tokenizer is not None:
        wanted["tokenizer_sha256"] = vocab_fingerprint(tokenizer)
    wanted.update(expect or {})
    n_layers = metadata.get("num_hidden_layers")
    if "layers" in wanted and isinstance(n_layers, int):
        try:
            wanted["layers"] = layer_indices(n_layers + 1, wanted["layers"])
        except (IndexError, TypeError, ValueError):
            pass  # compared as given: it can't be a layer of the file's model, so it differs
    return wanted


def load_vectors(
    path: str | os.PathLike,
    *,
    tokenizer: PreTrainedTokenizerBase | None = None,
    model: PreTrainedModel | None = None,
    expect: dict[str, Any] | None = None,
    mmap: bool = True,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Read vectors and their metadata, checking both against what the caller is about to compare them with.

    Args:
        path: the ``.npy`` written by :func:`save_vectors` (its ``.meta.json`` must be beside it).
        tokenizer: when given, the vectors must come from a tokenizer with the same vocabulary and special ids.
        model: when given, the vectors must come from weights equal to this model's (:func:`weights_fingerprint`).
        expect: settings that must match, e.g. ``{"pooling": "mean", "normalized": True, "layers": [-1],
            "dtype": "float32", "dim": 64}``. ``transform`` is always compared (None unless given here).
        mmap: open the array read-only with ``np.memmap`` instead of reading it into memory.

    Returns:
        ``(vectors, metadata)``; vectors (n, dim) or (n, n_layers, dim).

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
    if metadata.get("format") != FORMAT:
        raise VectorsMismatchError(
            f"{meta_file.name} has metadata format {metadata.get('format')!r}, not {FORMAT}: it does not record the "
            "fingerprints this bertkit compares. Extract the vectors again and save them with bertkit.save_vectors."
        )
    vectors = np.load(path, mmap_mode="r" if mmap else None)
    wanted = _wanted(metadata, tokenizer, model, expect)
    wrong = {key: (metadata.get(key), value) for key, value in wanted.items() if metadata.get(key) != value}
    if list(vectors.shape) != metadata.get("shape"):
        wrong["shape"] = (list(vectors.shape), metadata.get("shape"))
    if wrong:
        details = "; ".join(f"{key}: file has {have!r}, asked for {want!r}" for key, (have, want) in wrong.items())
        raise VectorsMismatchError(
            f"{path.name} (made by {metadata.get('checkpoint')!r}) does not match ({details}). Comparing vectors of "
            "different models or settings gives meaningless similarities: extract the corpus again with this model "
            "and these settings, or pass the settings the file was made with in expect=."
        )
    return vectors, metadata
