"""What this machine and the model can do: matmul FLOP/s and the model's useful FLOPs on the benchmark corpus."""

from __future__ import annotations

import time

from corpus import corpus


def matmul_flops(size: int = 2048, repeats: int = 10) -> float:
    """fp32 FLOP/s of one size x size matmul on this machine (best of ``repeats``)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def model_flops(checkpoint: str | None, n: int) -> tuple[float, int]:
    """(useful FLOPs of one pass over the corpus, real tokens): matmuls only, padding not counted."""
    from transformers import AutoConfig

    import bertkit

    path = bertkit.resolve_checkpoint(checkpoint)
    config = AutoConfig.from_pretrained(path)
    tokenizer = bertkit.load_tokenizer(path)
    lengths = [len(ids) for ids in tokenizer(list(corpus(n)))["input_ids"]]
    h, ff, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    per_token = 2 * (4 * h * h + 2 * h * ff)  # Q, K, V, output projections and the two feed-forward matmuls
    attention = 2 * 2 * h  # per pair of tokens: scores (QK^T) and the weighted sum of V
    flops = layers * sum(per_token * k + attention * k * k for k in lengths)
    return flops, sum(lengths)
