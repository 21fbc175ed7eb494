"""bertkit.distributed.extract on a local Dask cluster of two worker processes gives single-process vectors."""

from __future__ import annotations

import numpy as np
import pytest

from bertkit.extraction import extract

distributed = pytest.importorskip("dask.distributed")
import bertkit.distributed as bd  # noqa: E402

TEXTS = [
    "I love Paris.",
    "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon.",
    "Hi",
    "Embeddings from every encoder layer differ.",
    "A short one.",
    "Vectors for a whole corpus in one call, batched and sorted by length.",
    "Dask runs one task per partition.",
    "Each worker loads the model once.",
    "Padding does not change a text's vector.",
]


@pytest.fixture(scope="module")
def client():
    # Two worker processes on loopback (the test guard allows only local connections); no dashboard.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def single():
    return extract(TEXTS, layers=[0, -1], progress=False)


def test_two_workers_give_the_single_process_vectors(client, single):
    vectors = bd.extract(TEXTS, client=client, npartitions=3, layers=[0, -1])
    assert vectors.shape == single.shape == (len(TEXTS), 2, single.shape[-1])
    np.testing.assert_allclose(vectors, single, atol=1e-5, rtol=0)



def _loads(client) -> dict[str, tuple[int, int]]:
    """(model loads, reuses) of extract's per-process model cache on each worker."""

    def info():
        from bertkit import extract_setup

        stats = extract_setup.load_cached.cache_info()
        return stats.misses, stats.hits

    return client.run(info)


def test_each_worker_loads_the_model_once(client):
    import dask.bag as db

    before = _loads(client)
    bd.extract(TEXTS, client=client, npartitions=6)
    tasks = db.from_sequence(TEXTS, npartitions=6).npartitions  # dask rounds the partition size up
    after = _loads(client)
    assert len(after) == 2
    loads = {w: after[w][0] for w in after}
    calls = sum(after[w][0] + after[w][1] - before[w][0] - before[w][1] for w in after)
    assert calls == tasks, "one extract call (one task) per partition"
    assert all(n <= 1 for n in loads.values()), f"a worker loaded the model more than once: {loads}"


def test_sharded_output_from_a_bag(client, single, tmp_path):
    import dask.bag as db

    bag = db.from_sequence(TEXTS, npartitions=4)
    shards = bd.extract(bag, client=client, out_dir=tmp_path, layers=[0, -1], dtype="float32")
    assert [p.name for p in shards] == [f"part-{i:05d}.npy" for i in range(bag.npartitions)]
    np.testing.assert_allclose(bd.load_shards(shards), single, atol=1e-5, rtol=0)


def test_bad_arguments_say_what_to_do(tmp_path):
    with pytest.raises(TypeError, match="checkpoint="):
        bd.extract(TEXTS, model=object())
    with pytest.raises(FileNotFoundError, match="create it first"):
        bd.extract(TEXTS, out_dir=tmp_path / "missing")
    with pytest.raises(ValueError, match="pooling"):
        bd.extract(TEXTS, pooling=None)
    with pytest.raises(ValueError, match="No shards"):
        bd.load_shards([])


class _ManyWorkers:
    """A client of 8 one-thread workers whose scheduler_info lists only 5 (as some distributed releases cap it)."""

    def __init__(self):
        self.tasks = 0

    def nthreads(self):
        return {f"tcp://10.0.0.{i}:1234": 1 for i in range(8)}

    def scheduler_info(self):
        return {"workers": {address: {} for address in list(self.nthreads())[:5]}}

    def compute(self, tasks):
        self.tasks = len(tasks)
        return tasks

    def gather(self, futures):
        raise _Counted  # stop before any task runs


class _Counted(Exception):
    pass


def test_a_list_gets_two_partitions_per_worker_thread_of_the_whole_cluster():
    client = _ManyWorkers()
    with pytest.raises(_Counted):
        bd.extract([f"text {i}" for i in range(160)], client=client)  # 10 texts a partition
    assert client.tasks == 16
