#!/usr/bin/env python3
"""Writes the seed corpus: a few small calls covering the decoder's main branches (layout in docs/sharpfuzz.md)."""
import os
import random

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
rng = random.Random(5)


def header(dtype=0, flags=0, options=0, masks=0, n=1, l=2, s=2, e=2, q=2, k=2, v=2, o=2, s_static=2,
           heads=0, scale=0, dropout=0, seed=1, out=0, fault=255, fault_target=0, static_kind=0):
    return bytes([dtype, flags, options, masks, n, l, s, e, q, k, v, o, s_static, heads, scale, dropout,
                  seed, out, fault, fault_target, static_kind])


def tail(count):
    # ordinary values: bytes below 240 decode to (b - 120) / 64
    return bytes(rng.randrange(56, 185) for _ in range(count))


seeds = {
    # E1: float32 x = [[1, 0], [0, 1]], self-attention, numHeads 1
    "e1_f32_self": header() + bytes([184, 120, 120, 184]),
    # float64, batched batch-first, cross-attention, packed in-projection + bias, out-projection, weights per head
    "f64_cross_packed": header(dtype=1, flags=0b1011_0001, options=0b0001_1101, n=2, l=3, s=4, e=4, q=3, o=3, heads=1)
    + tail(400),
    # float16, sequence-first, separate projections, bias_k/v, add_zero_attn, causal, bool attention mask
    "f16_separate_bias_causal": header(dtype=2, flags=0b1101_0111, options=0b0010_0010, masks=0b0000_0001, n=2, l=3,
                                       s=2, e=4, q=2, k=3, v=4, heads=1) + tail(400),
    # float32, static K/V, float key-padding mask, explicit scale, @out aliasing the query
    "f32_static_out_alias": header(dtype=0, flags=0b0001_0001, options=0b0100_0000, masks=0b0010_1000, n=2, l=2,
                                   e=2, s_static=3, heads=1, scale=137, out=5) + tail(200),
    # float64, training with dropout 0.5, fresh @out of another dtype
    "f64_dropout_out_fresh": header(dtype=1, flags=0b0001_1000, n=1, l=4, e=4, heads=1, dropout=201, seed=7, out=4)
    + tail(200),
    # an invalid call: one wrong dimension (fault byte < 48)
    "invalid_shape": header(dtype=0, flags=0b1000_0001, n=2, l=2, s=3, e=2, fault=0, fault_target=1) + tail(100),
}

os.makedirs(HERE, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {HERE}")
