"""PyTorch's time for the calls IvySharp.Gpu's runner times (tools/gpu/run.sh runs this when torch imports).

Prints JSON: {"device": ..., "cases": {case: {"fp32": ms, "tf32": ms, "fp16": ms}}, "gemm_fp32_tflops": x}.
Same shapes and features as tools/gpu/Runner/BenchCases.cs: nn.MultiheadAttention (core-only cases: SDPA) (batch_first, packed or separate
projections, key padding, causal as an attn_mask, need_weights only for the weights case), inputs and weights on
the GPU, median of CUDA-synchronised calls. fp32 runs with TF32 off (PyTorch's default), then on; fp16 in half.
"""
import json
import sys
import time

import torch

QUICK = "--quick" in sys.argv
# name, N, L, S, E, H, kind, key width, causal, key padding, weights
CASES = [
    ("tiny", 1, 16, 16, 64, 4, "packed", 64, False, False, False),
    ("bert-base", 8, 128, 128, 768, 12, "packed", 768, False, False, False),
    ("bert-512", 8, 512, 512, 768, 12, "packed", 768, False, False, False),
    ("bert-512-weights", 8, 512, 512, 768, 12, "packed", 768, False, False, True),
    ("causal-2k", 1, 2048, 2048, 1024, 16, "packed", 1024, True, False, False),
    ("cross-pad", 4, 128, 1024, 512, 8, "cross", 256, False, True, False),
    ("decode-64k", 1, 1, 65536, 1024, 16, "static", 1024, False, False, False),
    ("long-16k", 1, 16384, 16384, 256, 4, "none", 256, False, False, False),
    ("n16-4k", 16, 4096, 4096, 1024, 16, "packed", 1024, False, False, False),
    ("causal-8k", 4, 8192, 8192, 2048, 16, "packed", 2048, True, False, False),
    ("bert-512-core", 8, 512, 512, 768, 12, "none", 768, False, False, False),
    ("n16-4k-core", 16, 4096, 4096, 1024, 16, "none", 768, False, False, False),
]
if QUICK:
    CASES = [("tiny", 1, 16, 16, 64, 4, "packed", 64, False, False, False)]


def timed(fn, budget=1.0):
    fn(); fn()
    torch.cuda.synchronize()
    times, start = [], time.perf_counter()
    while len(times) < 3 or (len(times) < 20 and time.perf_counter() - start < budget):
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]


def case_call(name, n, l, s, e, h, kind, kw, causal, padding, weights, dtype):
    dev = "cuda"
    r = lambda *shape: (torch.rand(*shape, device=dev, dtype=dtype) - 0.5)
    if kind == "static":
        # PyTorch's MHA module has no static K/V: the functional form with static_k/static_v, sequence-first.
        d = e // h
        q, sk, sv = r(l, n, e), r(n * h, s, d), r(n * h, s, d)
        wq, wk, wv, wo = r(e, e), r(e, e), r(e, e), r(e, e)
        f = torch.nn.functional.multi_head_attention_forward
        return lambda: f(q, q, q, e, h, None, None, None, None, False, 0.0, wo, None, training=False, need_weights=False,
                         use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv,
                         static_k=sk, static_v=sv)
    if kind == "none":
        # IvySharp's case has no projections: the attention core alone, PyTorch's scaled_dot_product_attention on
        # (N, H, L, d) (its flash or memory-efficient kernel where it has one for the dtype).
        d = e // h
        q, k, v = r(n, h, l, d), r(n, h, s, d), r(n, h, s, d)
        return lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    kdim = kw if kind == "cross" else None
    mha = torch.nn.MultiheadAttention(e, h, batch_first=True, kdim=kdim, vdim=kdim, device=dev, dtype=dtype).eval()
    x = r(n, l, e)
    key = r(n, s, kw) if kind == "cross" else x
    mask = torch.ones(l, s, device=dev, dtype=torch.bool).triu(1) if causal else None
    pad = (torch.arange(s, device=dev) >= s - s // 8).expand(n, s) if padding else None
    return lambda: mha(x, key, key, key_padding_mask=pad, attn_mask=mask, is_causal=causal, need_weights=weights)


def main():
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cases": {}}
    with torch.inference_mode():
        for c in CASES:
            times = {}
            for mode, dtype, tf32 in (("fp32", torch.float32, False), ("tf32", torch.float32, True), ("fp16", torch.float16, False)):
                torch.backends.cuda.matmul.allow_tf32 = tf32
                torch.backends.cudnn.allow_tf32 = tf32
                try:
                    times[mode] = timed(case_call(*c, dtype))
                except Exception as e:  # report, keep going
                    times[mode] = None
                    times[mode + "_error"] = str(e)[:200]
            out["cases"][c[0]] = times
        torch.backends.cuda.matmul.allow_tf32 = False
        size = 256 if QUICK else 8192
        a = torch.rand(size, size, device="cuda")
        ms = timed(lambda: a @ a)
        out["gemm_fp32_tflops"] = 2 * size ** 3 / (ms * 1e-3) / 1e12
    json.dump(out, sys.stdout)


main()
