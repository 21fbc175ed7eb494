"""Benchmark bertkit.extract against SentenceTransformer.encode and a transformers pipeline, on this machine.

    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
        .venv/bin/python benchmarks/extract.py                 # sentences/s, ratios, peak memory, FLOP/s
    ... benchmarks/extract.py --big                             # 100,000 texts streamed to out=: peak RSS
    ... benchmarks/extract.py --profile                         # where bertkit.extract spends its time

Every method runs in its own fresh process (so its peak RSS, ``ru_maxrss``, is its own), on the same
checkpoint (``bertkit.resolve_checkpoint()``: the bundled all-MiniLM-L6-v2 unless ``--checkpoint`` or
``$BERTKIT_MODEL``), the same generated texts and the same batch size; methods take turns, ``--repeats`` rounds,
and the median is reported. Each process warms up on two batches before it is timed. The corpus is made here
from a fixed word list with a seeded RNG: mixed lengths, none over 256 tokens (SentenceTransformer's limit for
the default model), so no method truncates.

FLOP/s: the model's useful FLOPs (real tokens only, padding not counted) divided by the time, as a share of
what one large fp32 ``torch.matmul`` reaches on this machine, measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

from corpus import corpus  # noqa: E402  (benchmarks/corpus.py, beside this script)
from machine import matmul_flops, model_flops  # noqa: E402

# -- one method, in its own process -------------------------------------------------------------------------


def _rss_now() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def child(method: str, n: int, batch_size: int, checkpoint: str | None, save: str | None) -> dict:
    import numpy as np
    import torch

    import bertkit
    from bertkit.extraction import extract

    path = bertkit.resolve_checkpoint(checkpoint)
    texts = list(corpus(n))
    warm = texts[: 2 * batch_size]
    if method in ("bertkit-last", "bertkit-all"):
        tokenizer, model = bertkit.load(path)
        layers = -1 if method == "bertkit-last" else "all"

        def encode(items):
            vectors = extract(items, model=model, tokenizer=tokenizer, layers=layers, batch_size=batch_size,
                              progress=False)
            return vectors[:, -1]  # the last layer, for the agreement check
    elif method.startswith("extract-"):  # --dtypes: extract at each compute dtype, last layer, mean
        tokenizer, model = bertkit.load(path)
        chosen = method.removeprefix("extract-")
        if "-g" in chosen:  # --int8-groups: extract-int8-g64 runs int8 with 64 features per activation scale
            import bertkit.fast.openvino_encoder

            chosen, group = chosen.split("-g")
            bertkit.fast.openvino_encoder.INT8_GROUP_SIZE = int(group)
        if chosen.endswith("-pytorch"):  # the fallback a machine without OpenVINO gets (autocast, torch.ao int8)
            import bertkit.fast.openvino_encoder

            chosen = chosen.removesuffix("-pytorch")
            bertkit.fast.openvino_encoder.available = lambda name: (False, "the benchmark's -pytorch row")
            warnings.filterwarnings("ignore", message=".*computing with PyTorch instead")

        def encode(items):
            vectors = extract(items, model=model, tokenizer=tokenizer, batch_size=batch_size, dtype=chosen,
                              progress=False)
            return vectors[:, -1]
    elif method == "onnx-int8":
        from dtypes import onnx_encoder

        encode = onnx_encoder(path, batch_size)
    elif method == "sentence-transformers":
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(path, device="cpu")

        def encode(items):
            return st.encode(items, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False)
    elif method == "pipeline":
        from transformers import pipeline

        tokenizer, model = bertkit.load(path)
        extractor = pipeline("feature-extraction", model=model, tokenizer=tokenizer, device="cpu")

        def encode(items):
            # A batched pipeline returns padded rows: mean over each text's own token count (right padding).
            lengths = [len(ids) for ids in tokenizer(items)["input_ids"]]
            outputs = extractor(items, batch_size=batch_size, return_tensors=True)
            return np.stack([out[0, :k].mean(dim=0).numpy() for out, k in zip(outputs, lengths)])
    else:
        raise SystemExit(f"unknown method {method!r}")

    warm_start = time.perf_counter()
    with torch.inference_mode():
        encode(warm)  # the first call: for extract's OpenVINO path, export, conversion and compilation too
    warm_seconds = time.perf_counter() - warm_start
    rss_ready = _rss_now()
    start, cpu = time.perf_counter(), time.process_time()
    vectors = encode(texts)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if save:
        np.save(save, np.asarray(vectors, dtype=np.float32))
    return {"method": method, "seconds": elapsed, "cpu_seconds": cpu, "texts": len(texts), "peak_rss": _peak_rss(),
            "rss_ready": rss_ready, "threads": torch.get_num_threads(), "load": os.getloadavg()[0],
            "warm_seconds": warm_seconds}


def big_child(n: int, batch_size: int, checkpoint: str | None, layers: str, out: str) -> dict:
    import bertkit
    from bertkit.__main__ import parse_layers
    from bertkit.extraction import extract

    tokenizer, model = bertkit.load(checkpoint)
    extract(list(itertools.islice(corpus(2 * batch_size, seed=1), 2 * batch_size)), model=model,
            tokenizer=tokenizer, progress=False)  # warm-up
    rss_ready = _rss_now()
    start = time.perf_counter()
    vectors = extract(corpus(n), model=model, tokenizer=tokenizer, layers=parse_layers(layers),
                      batch_size=batch_size, out=out, progress=False)  # a generator: read once, never held
    elapsed = time.perf_counter() - start
    return {"method": "bertkit --big", "seconds": elapsed, "texts": vectors.shape[0], "shape": list(vectors.shape),
            "file_bytes": os.path.getsize(out), "peak_rss": _peak_rss(), "rss_ready": rss_ready,
            "load": os.getloadavg()[0]}


# -- the parent: runs the children, measures the machine, prints the figures --------------------------------


def run_child(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(n: int, batch_size: int, checkpoint: str | None) -> None:
    """Where extract() spends its time: the torch operators, then the Python functions."""
    import cProfile
    import pstats

    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    import bertkit
    from bertkit.extraction import extract

    tokenizer, model = bertkit.load(checkpoint)
    texts = list(corpus(n))
    extract(texts[:batch_size], model=model, tokenizer=tokenizer, progress=False)
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        extract(texts, model=model, tokenizer=tokenizer, batch_size=batch_size, progress=False)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))
    stats_file = os.path.join(tempfile.mkdtemp(), "extract.prof")
    cProfile.runctx("extract(texts, model=model, tokenizer=tokenizer, batch_size=batch_size, progress=False)",
                    globals(), locals(), stats_file)
    pstats.Stats(stats_file).sort_stats("cumulative").print_stats(r"bertkit|tokeniz|modeling_bert", 18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="texts in the corpus (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of all methods; the median is reported")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--big", action="store_true", help="stream --big-n texts to out= and report peak RSS")
    parser.add_argument("--big-n", type=int, default=100_000)
    parser.add_argument("--big-layers", default="all", help="layers for --big (default all: the largest rows)")
    parser.add_argument("--profile", action="store_true", help="profile bertkit.extract on --n texts")
    parser.add_argument("--dtypes", action="store_true",
                        help="extract at float32, bfloat16 and int8 vs SentenceTransformer.encode and ONNX Runtime int8")
    parser.add_argument("--int8-groups", default="",
                        help="with --dtypes, also int8 at these activation group sizes, e.g. 32,64,384")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    common = ["--n", str(args.n), "--batch-size", str(args.batch_size)]
    if args.checkpoint:
        common += ["--checkpoint", args.checkpoint]

    if args.child == "big":
        print(json.dumps(big_child(args.big_n, args.batch_size, args.checkpoint, args.big_layers, args.out)))
        return
    if args.child:
        print(json.dumps(child(args.child, args.n, args.batch_size, args.checkpoint, args.save)))
        return
    if args.profile:
        profile(args.n, args.batch_size, args.checkpoint)
        return

    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    if args.dtypes:
        from dtypes import precision_table

        precision_table(args, common)
        return
    if args.big:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "vectors.npy")
            r = run_child([*common, "--child", "big", "--big-n", str(args.big_n), "--big-layers", args.big_layers,
                           "--out", out])
        print(f"--big: {r['texts']:,} texts -> array {tuple(r['shape'])}, file {r['file_bytes'] / 2**30:.2f} GiB, "
              f"{r['seconds']:.0f} s ({r['texts'] / r['seconds']:.1f} texts/s)")
        print(f"peak RSS {r['peak_rss'] / 2**30:.2f} GiB (model loaded and warm: {r['rss_ready'] / 2**30:.2f} GiB), "
              f"load average {r['load']:.1f} at the end")
        return

    flops, tokens = model_flops(args.checkpoint, args.n)
    peak_before = matmul_flops()
    methods = ["bertkit-last", "bertkit-all", "sentence-transformers", "pipeline"]
    results: dict[str, list[dict]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeats):
            for method in methods if round_ % 2 == 0 else methods[::-1]:
                save = os.path.join(tmp, f"{method}.npy")
                results[method].append(run_child([*common, "--child", method, "--save", save]))
                r = results[method][-1]
                print(f"  round {round_ + 1} {method:22s} {r['texts'] / r['seconds']:7.1f} texts/s, "
                      f"{r['cpu_seconds'] / r['seconds']:.2f} cores busy (load {r['load']:.1f})", flush=True)
        import numpy as np

        vectors = {m: np.load(os.path.join(tmp, f"{m}.npy")) for m in methods}
    peak = max(peak_before, matmul_flops())
    unit = {m: v / np.linalg.norm(v, axis=1, keepdims=True) for m, v in vectors.items()}
    print(f"\n{args.n} texts, {tokens:,} tokens (mean {tokens / args.n:.1f}), batch size {args.batch_size}; "
          f"model {flops / 1e12:.2f} TFLOP per pass; fp32 matmul peak {peak / 1e9:.1f} GFLOP/s")
    # Noise from other processes only ever slows a run down, so the fastest round is the headline figure;
    # the median and the CPU time (seconds of CPU per second of wall time shows how much of the 2 cores a run got)
    # say how noisy the rounds were.
    best = {m: max(r["texts"] / r["seconds"] for r in results[m]) for m in methods}
    per_cpu = {m: max(r["texts"] / r["cpu_seconds"] for r in results[m]) for m in methods}
    st, st_cpu = best["sentence-transformers"], per_cpu["sentence-transformers"]
    print(f"{'method':22s} {'texts/s':>8s} {'vs ST':>6s} {'median':>7s} {'texts/CPU-s':>11s} {'vs ST':>6s} "
          f"{'peak RSS':>9s} {'growth':>8s} {'GFLOP/s':>8s} {'of peak':>7s} {'max |diff|':>10s}")
    for m in methods:
        median = statistics.median(r["texts"] / r["seconds"] for r in results[m])
        rss = max(r["peak_rss"] for r in results[m])
        grow = max(r["peak_rss"] - r["rss_ready"] for r in results[m])
        diff = float(np.abs(unit[m] - unit["sentence-transformers"]).max())
        achieved = flops * best[m] / args.n
        print(f"{m:22s} {best[m]:8.1f} {best[m] / st:5.2f}x {median:7.1f} {per_cpu[m]:11.1f} "
              f"{per_cpu[m] / st_cpu:5.2f}x {rss / 2**20:5.0f} MiB {grow / 2**20:4.0f} MiB {achieved / 1e9:8.1f} "
              f"{achieved / peak:7.1%} {diff:10.1e}")
    print("texts/s: fastest of the rounds; growth: peak RSS minus RSS once loaded and warm; max |diff|: "
          "largest difference from sentence-transformers' unit vectors (last layer, mean)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
