"""Many threads extracting with one model get the vectors of one single-threaded call (bertkit 0.2 mixed them up:
forward hooks registered on the shared model fired in the other threads' passes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from bertkit.extraction import extract
from bertkit.hooks import capture

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
    "Seoul is lovely in the autumn.",
    "ok",
    "Threads share one model and must not share one forward pass.",
]
CALLS = 16


def test_a_thread_pool_gets_the_vectors_of_one_call(tokenizer, model):
    def one(layers):
        return extract(TEXTS, model=model, tokenizer=tokenizer, layers=layers, batch_size=4, progress=False)

    layer_sets = [[2], [0, 2], [-1], [1, 3]] * (CALLS // 4)
    expected = {str(layers): one(layers) for layers in layer_sets[:4]}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, layer_sets))
    for layers, result in zip(layer_sets, results):
        np.testing.assert_allclose(result, expected[str(layers)], atol=1e-6, rtol=0)


def test_capture_in_threads_records_only_its_own_passes(tokenizer, model):
    batches = [tokenizer(TEXTS[i : i + 3], padding=True, return_tensors="pt") for i in range(0, len(TEXTS), 3)]

    def one(batch):
        with torch.no_grad(), capture(model, "encoder.layer.1", inputs=True) as captured:
            hidden = model(**batch, output_hidden_states=True).hidden_states
        return captured, hidden

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, batches * 4))
    for captured, hidden in results:
        assert len(captured["encoder.layer.1"]) == 1, "one record per own forward pass, none from other threads"
        np.testing.assert_array_equal(captured["encoder.layer.1"][0].numpy(), hidden[1].numpy())


distributed = pytest.importorskip("dask.distributed")
import bertkit.distributed as bd  # noqa: E402


@pytest.fixture(scope="module")
def single():
    return extract(TEXTS, layers=[2], progress=False)


def test_dasks_threaded_scheduler_gets_the_single_call_vectors(single):
    import dask

    with dask.config.set(scheduler="threads", num_workers=4):
        vectors = bd.extract(TEXTS * 2, npartitions=8, layers=[2], batch_size=2)
    np.testing.assert_allclose(vectors, np.concatenate([single, single]), atol=1e-5, rtol=0)


def test_a_worker_with_two_threads_gets_the_single_call_vectors(single):
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        vectors = bd.extract(TEXTS * 2, client=client, npartitions=8, layers=[2], batch_size=2)
    np.testing.assert_allclose(vectors, np.concatenate([single, single]), atol=1e-5, rtol=0)
