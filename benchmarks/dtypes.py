"""The compute-dtype table of ``benchmarks/extract.py --dtypes``: extract at float32, bfloat16 and int8 against
SentenceTransformer.encode and ONNX Runtime's dynamic int8, with each method's share of its matmul peak.

Run through ``benchmarks/extract.py --dtypes`` (each method in its own process, as there).
"""

from __future__ import annotations

import os
import statistics
import tempfile

from machine import model_flops, timed


def onnx_int8(checkpoint: str | None, folder: str) -> str:
    """Export the checkpoint's encoder to ONNX and quantize it the way sentence-transformers' ONNX int8 does.

    sentence-transformers' own exporter (optimum) cannot run next to transformers 5, so this does what its
    ``export_dynamic_quantized_onnx_model(..., "avx512_vnni")`` does: ONNX Runtime dynamic quantization, int8
    weights per output channel, uint8 activations quantized at run time. (Per-tensor weights gave cosine
    0.933 mean / 0.888 min to float32 on 64 texts, per-channel 0.989 / 0.979, close to the 0.992 / 0.978 issue 15
    measured with sentence-transformers' own export: per-channel is the faithful baseline.) Returns its path.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import bertkit

    tokenizer, model = bertkit.load(bertkit.resolve_checkpoint(checkpoint))
    encoder = model.base_model.eval()
    sample = tokenizer(["an example sentence", "a second, longer example sentence here"], padding=True,
                       return_tensors="pt")
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]

    class Last(torch.nn.Module):  # the last hidden state only, one output
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, *inputs):
            return self.encoder(**dict(zip(names, inputs))).last_hidden_state

    fp32 = os.path.join(folder, "model.onnx")
    axes = {k: {0: "batch", 1: "sequence"} for k in names} | {"last_hidden_state": {0: "batch", 1: "sequence"}}
    with torch.inference_mode():
        torch.onnx.export(Last(), tuple(sample[k] for k in names), fp32, input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    int8 = os.path.join(folder, "model_qint8.onnx")
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True, reduce_range=False)
    return int8


def onnx_encoder(path: str, batch_size: int):
    """encode(texts) with ONNX Runtime on the quantized export: length-sorted batches, mean pooling."""
    import numpy as np
    import onnxruntime as ort

    import bertkit

    tokenizer = bertkit.load_tokenizer(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))
    session = ort.InferenceSession(os.environ["BENCH_ONNX"], options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def encode(items):
        order = sorted(range(len(items)), key=lambda i: -len(items[i]))  # as sentence-transformers sorts
        out: list = [None] * len(items)
        for b in range(0, len(items), batch_size):
            rows = order[b : b + batch_size]
            enc = tokenizer([items[i] for i in rows], padding=True, truncation=True, return_tensors="np")
            hidden = session.run(None, {k: enc[k].astype(np.int64) for k in names})[0]
            mask = enc["attention_mask"][..., None].astype(np.float32)
            for r, v in zip(rows, (hidden * mask).sum(1) / mask.sum(1)):
                out[r] = v
        return np.stack(out)

    return encode


def matmul_rates(size: int = 2048, repeats: int = 8) -> dict[str, float]:
    """Operations per second of one size x size matrix multiply in fp32, bf16 and int8 (best of ``repeats``).

    int8 is what the int8 path itself runs: a dynamically quantized linear layer (fbgemm), activation
    quantization included.
    """
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    ab, bb = a.bfloat16(), b.bfloat16()
    q = torch.ao.nn.quantized.dynamic.Linear(size, size)
    q.set_weight_bias(torch.quantize_per_channel(b, torch.ones(size) * 0.02, torch.zeros(size, dtype=torch.long), 0,
                                                 torch.qint8), None)
    rates = {}
    for name, fn in {"float32": lambda: a @ b, "bfloat16": lambda: ab @ bb, "int8": lambda: q(a)}.items():
        with torch.inference_mode():
            fn()
            rates[name] = 2 * size**3 / min(timed(fn) for _ in range(repeats))
    return rates


def precision_table(args, common: list[str]) -> None:
    """--dtypes: extract at each compute dtype vs SentenceTransformer.encode and ONNX Runtime int8, one run."""
    import numpy as np

    methods = ["extract-float32", "extract-bfloat16", "extract-int8", "sentence-transformers", "onnx-int8",
               "extract-bfloat16-pytorch", "extract-int8-pytorch"]
    methods += [f"extract-int8-g{g}" for g in args.int8_groups.split(",") if g]
    from extract import run_child  # benchmarks/extract.py: runs one method in its own process

    flops, tokens = model_flops(args.checkpoint, args.n)
    rates = matmul_rates()
    results: dict[str, list[dict]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BENCH_ONNX"] = onnx_int8(args.checkpoint, tmp)
        for round_ in range(args.repeats):
            for method in methods if round_ % 2 == 0 else methods[::-1]:
                save = os.path.join(tmp, f"{method}.npy")
                results[method].append(run_child([*common, "--child", method, "--save", save]))
                r = results[method][-1]
                print(f"  round {round_ + 1} {method:24s} {r['texts'] / r['seconds']:7.1f} texts/s, "
                      f"{r['cpu_seconds'] / r['seconds']:.2f} cores busy (load {r['load']:.1f}), first call "
                      f"{r['warm_seconds']:.1f} s", flush=True)
        vectors = {m: np.load(os.path.join(tmp, f"{m}.npy")).astype(np.float64) for m in methods}
    later = matmul_rates()
    rates = {k: max(v, later[k]) for k, v in rates.items()}
    ref = vectors["extract-float32"]
    ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
    # Noise from other processes only slows a run down: the fastest round is the headline figure; texts per
    # CPU-second (the process's own CPU time) is the cross-check that holds on a busy machine.
    best = {m: max(r["texts"] / r["seconds"] for r in results[m]) for m in methods}
    per_cpu = {m: max(r["texts"] / r["cpu_seconds"] for r in results[m]) for m in methods}
    uses = {"extract-float32": "float32", "extract-bfloat16": "bfloat16", "extract-int8": "int8",
            "sentence-transformers": "float32", "onnx-int8": "int8", "extract-bfloat16-pytorch": "bfloat16",
            "extract-int8-pytorch": "int8"} | {m: "int8" for m in methods if "-g" in m}
    print(f"\n{args.n} texts, {tokens:,} tokens, batch size {args.batch_size}; model {flops / 1e12:.2f} TFLOP per "
          "pass; matmul rates " + ", ".join(f"{k} {v / 1e9:.0f} G/s" for k, v in rates.items()))
    print(f"{'method':24s} {'texts/s':>8s} {'vs ST':>6s} {'vs ORT8':>7s} {'median':>7s} {'per CPU-s':>9s} "
          f"{'vs ORT8':>7s} {'cos mean':>9s} {'cos min':>9s} {'G/s':>6s} {'of its peak':>11s} {'1st call':>8s}")
    for m in methods:
        unit = vectors[m] / np.linalg.norm(vectors[m], axis=1, keepdims=True)
        cos = (unit * ref).sum(1)
        median = statistics.median(r["texts"] / r["seconds"] for r in results[m])
        achieved = flops * best[m] / args.n
        first = statistics.median(r["warm_seconds"] for r in results[m])
        print(f"{m:24s} {best[m]:8.1f} {best[m] / best['sentence-transformers']:5.2f}x "
              f"{best[m] / best['onnx-int8']:6.2f}x {median:7.1f} {per_cpu[m]:9.1f} "
              f"{per_cpu[m] / per_cpu['onnx-int8']:6.2f}x {cos.mean():9.6f} {cos.min():9.6f} "
              f"{achieved / 1e9:6.1f} {achieved / rates[uses[m]]:11.1%} {first:7.1f}s")
    print("cos: each text's cosine to extract-float32's vector; of its peak: the model's useful operations per "
          "second over the matmul rate of the precision it computes in; 1st call: the warm-up call on "
          f"{2 * args.batch_size} texts (OpenVINO's export and compilation happen there); -pytorch: extract without "
          "OpenVINO (autocast, torch.ao dynamic int8)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
