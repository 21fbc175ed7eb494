"""``extract`` on a Dask cluster: the corpus cut into partitions, each partition extracted by a worker.

    >>> from dask.distributed import Client, LocalCluster
    >>> import dask.bag as db
    >>> import bertkit.distributed
    >>> with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
    ...     texts = db.read_text("corpus/*.txt").map(str.strip).filter(None)   # one text per line, any size
    ...     shards = bertkit.distributed.extract(texts, client=client, out_dir="vectors/", layers="all")
    >>> vectors = bertkit.distributed.load_shards(shards)                    # (n_texts, 7, 384), memory-mapped

A Dask ``Client`` connects the same way to a cluster of many machines (``Client("tcp://scheduler:8786")``, or
dask-jobqueue / dask-kubernetes), so nothing here is local-only (why Dask: benchmarks/README.md).

How it works: ``texts`` becomes a ``dask.bag.Bag`` (a list is cut into ``npartitions`` pieces; a bag you built
with ``db.read_text`` is used as it is, so the corpus never has to fit on one machine). Each partition is one
task that calls :func:`bertkit.extract` on the worker. The model is loaded once per worker process, not per
task: ``extract(checkpoint=...)`` keeps the loaded model in a per-process cache, and a Dask worker process runs
many tasks. Each task either returns its vectors or, with ``out_dir``, streams them to its own ``.npy`` shard
(``part-00000.npy``, ...) with ``extract(out=...)`` and returns the path, so nothing large travels back to the
client. The vectors equal single-process ``extract``'s to float rounding (tested to 1e-5, also with several threads
per worker and on Dask's threaded scheduler, where threads share one model): a text may sit in a batch with other
neighbours and padding, which changes its vector by about 1e-6 only.

Workers must be able to load the checkpoint themselves: the bundled default, a hub id in their cache, or a
directory every worker can read (a shared file system). ``out_dir`` must likewise be shared storage on a
multi-machine cluster.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .loading import resolve_checkpoint

__all__ = ["extract", "load_shards"]


def extract(
    texts: Sequence[str] | Any,
    *,
    client: Any = None,
    npartitions: int | None = None,
    out_dir: str | os.PathLike | None = None,
    checkpoint: str | os.PathLike | None = None,
    **options: Any,
) -> np.ndarray | list[Path]:
    """:func:`bertkit.extract` on a Dask cluster, one task per partition of ``texts``.

    Args:
        texts: a list of strings, or a ``dask.bag.Bag`` of strings (e.g. ``db.read_text(...)``: the corpus is
            read by the workers, never by the client).
        client: a ``dask.distributed.Client``; None uses the current default client (``Client(...)`` made
            earlier) or, without one, dask's local scheduler.
        npartitions: pieces a list is cut into; default twice the cluster's worker threads (or 2). Ignored for a bag.
        out_dir: an existing folder: each partition streams its vectors to ``out_dir/part-NNNNN.npy`` and the
            paths are returned in corpus order. Without it the vectors come back to the client.
        checkpoint: as in :func:`bertkit.extract`, resolved here (``$BERTKIT_MODEL`` or the bundled model) so
            every worker loads the same one.
        **options: any other keyword of :func:`bertkit.extract` (``layers``, ``pooling``, ``batch_size``,
            ``long_texts``, ``dtype``, ``output_dtype``, ...), except ``model``/``tokenizer``/``out`` (the workers
            load the model themselves).

    Returns:
        Without ``out_dir``: an array ``(n_texts, n_layers, hidden)``, row i for the i-th text, as
        :func:`bertkit.extract` returns. With ``out_dir``: the list of shard paths, in corpus order; read them
        with :func:`load_shards`.
    """
    import dask

    _check_options(options)
    if out_dir is not None:
        out_dir = Path(out_dir)
        if not out_dir.is_dir():
            raise FileNotFoundError(f"out_dir={str(out_dir)!r} does not exist: create it first (shared storage).")
    checkpoint = resolve_checkpoint(checkpoint)
    options.setdefault("progress", False)
    bag = _as_bag(texts, client, npartitions)
    tasks = [
        dask.delayed(_extract_partition)(part, index, checkpoint, None if out_dir is None else str(out_dir), options)
        for index, part in enumerate(bag.to_delayed())
    ]
    results = client.gather(client.compute(tasks)) if client is not None else dask.compute(*tasks)
    if out_dir is not None:
        return [Path(p) for p in results if p is not None]
    arrays = [a for a in results if a is not None]
    if not arrays:
        raise ValueError("texts is empty: there is nothing to extract.")
    return np.concatenate(arrays)


def _check_options(options: dict[str, Any]) -> None:
    for key in ("model", "tokenizer", "out", "texts"):
        if key in options:
            raise TypeError(
                f"bertkit.distributed.extract does not take {key}=: the workers load the model from checkpoint= "
                "and write their own shards to out_dir=."
            )
    if options.get("pooling", "auto") is None:
        raise ValueError("bertkit.distributed.extract needs a pooling mode ('auto' or one of bertkit.POOLING); "
                         "token vectors (bertkit.token_vectors) stay local.")


def _as_bag(texts: Any, client: Any, npartitions: int | None) -> Any:
    """``texts`` as a ``dask.bag.Bag``: a bag as it is, a list cut into ``npartitions`` pieces."""
    import dask.bag as db

    if isinstance(texts, db.Bag):
        return texts
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError("texts must be a list of strings or a dask.bag.Bag of strings.")
    if not texts:
        raise ValueError("texts is empty: there is nothing to extract.")
    if npartitions is None:
        npartitions = 2 * _threads(client)
    return db.from_sequence(texts, npartitions=max(1, min(npartitions, len(texts))))


def _threads(client: Any) -> int:
    """Threads that can run a task at once: the cluster's worker threads, or 1 without a client.

    ``client.nthreads()`` lists every worker (``scheduler_info()["workers"]`` is capped in some releases).
    """
    if client is None:
        return 1
    return max(1, sum(client.nthreads().values()))


def _extract_partition(
    texts: list[str], index: int, checkpoint: str, out_dir: str | None, options: dict[str, Any]
) -> np.ndarray | str | None:
    """One task, run on a worker: extract one partition (the model comes from the worker's process cache)."""
    from .extraction import extract as extract_one

    texts = list(texts)
    if not texts:
        return None  # a bag can have empty partitions (e.g. after a filter)
    if out_dir is None:
        return np.asarray(extract_one(texts, checkpoint=checkpoint, **options))
    path = Path(out_dir) / f"part-{index:05d}.npy"
    extract_one(texts, checkpoint=checkpoint, out=path, **options)
    return str(path)


def load_shards(paths: Sequence[str | os.PathLike]) -> np.ndarray:
    """The shards written by :func:`extract` with ``out_dir``, as one array ``(n_texts, n_layers, hidden)``.

    Each shard is opened memory-mapped; the result is a copy in memory only when there are several shards.
    """
    if not paths:
        raise ValueError("No shards given: pass the list bertkit.distributed.extract(..., out_dir=...) returned.")
    arrays = [np.load(p, mmap_mode="r") for p in paths]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
