#!/usr/bin/python3
"""Golden vectors for IvySharp's Linear, LayerNorm and Gelu, computed by PyTorch 1.13 (and mpmath).

Run with Debian's interpreter (``/usr/bin/python3``, which sees ``python3-torch`` and ``python3-mpmath``):

    /usr/bin/python3 tools/golden/generate_layers.py     # writes tests/IvySharp.Tests/Golden/pytorch-layers.json

Every case is one C# call, recorded with its C# arguments (Ivy.Linear, Ivy.LayerNorm, Ivy.Gelu) and the
answers of PyTorch computed twice from the same float32 numbers: in float64 (``expected``) and in float32
(``expectedFloat32``, PyTorch's own float32 kernels, widened). Inputs are drawn as float32 and upcast, so a
float32 C# call sees bit-for-bit the inputs PyTorch saw.

Mappings onto PyTorch (the recorded C# call is always Ivy's):

(a) ``Ivy.Linear(x, weight, bias)`` is ``F.linear(x, weight, bias)``: same layout, nothing to map.
(b) ``Ivy.LayerNorm(x, normalizedIdxs, scale, offset, eps, newStd)``: ``F.layer_norm`` normalises the last
    axes only, with weight and bias of exactly the normalised shape. The torch call moves the normalised
    axes (ascending) to the end with ``permute``, gives ``weight`` = the C# scale broadcast to x's shape and
    read at index 0 of every other axis (the generator only draws scales that do not vary across groups;
    Ivy's numpy broadcasting allows more, which PyTorch cannot express), permutes the result back and
    multiplies it by ``newStd`` (Ivy: ((x - mean) / sqrt(var + eps) * scale + offset) * new_std).
    An offset without a scale is passed as ``bias`` with ``weight=None``: PyTorch applies it, as IvySharp
    does (Ivy's code would ignore it; README "Differences from Ivy").
(c) ``Ivy.Gelu(x, approximate)`` is ``F.gelu(x, approximate='none' | 'tanh')``.

``geluHighPrecision`` is a table of x (float64) with GELU(x) from mpmath at 50 digits, rounded to float64,
for both forms: the test measures the library's float64 error against it (PyTorch's float64 erf is itself
only good to an ulp or so).

Output format: see tools/golden/README.md.
"""

import json
import math
import os
import sys

import mpmath as mp
import numpy as np
import torch
import torch.nn.functional as F

SEED = 20251207
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "tests", "IvySharp.Tests", "Golden", "pytorch-layers.json")

mp.mp.dps = 50


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    for v in a.ravel():
        if not math.isfinite(v):
            raise ValueError("non-finite value in a golden vector")
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def t64(a):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, dtype=np.float64)))


def t32(a):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, dtype=np.float32)))


def normal(rng, shape, mean=0.0, std=1.0):
    return f32(rng.standard_normal(size=shape) * std + mean)


# ---------------------------------------------------------------- Linear

def linear_cases(rng):
    cases = []
    shapes = [((4,), 4, 3), ((1,), 1, 1), ((2, 3), 3, 5), ((3, 7), 7, 1), ((2, 3, 16), 16, 31),
              ((5, 33), 33, 16), ((2, 2, 3, 8), 8, 8), ((6, 64), 64, 5), ((1, 1, 2), 2, 2), ((17, 2), 2, 3),
              ((0, 3), 3, 4), ((2, 0), 0, 3), ((2, 5), 5, 0)]
    for i in range(40):
        if i < len(shapes):
            xs, fin, fout = shapes[i]
        else:
            lead = tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(0, 3)))
            fin, fout = int(rng.choice([1, 2, 3, 7, 16, 33, 64])), int(rng.choice([1, 2, 5, 16, 31]))
            xs = lead + (fin,)
        with_bias = i % 3 != 1
        x = normal(rng, xs)
        w = normal(rng, (fout, fin), std=1 / math.sqrt(max(fin, 1)))
        b = normal(rng, (fout,)) if with_bias else None
        y64 = F.linear(t64(x), t64(w), None if b is None else t64(b)).numpy()
        y32 = F.linear(t32(x), t32(w), None if b is None else t32(b)).numpy()
        inputs = {"x": enc(x), "weight": enc(w)}
        if b is not None:
            inputs["bias"] = enc(b)
        cases.append({"name": f"linear-{i:02d}", "inputs": inputs, "expected": enc(y64), "expectedFloat32": enc(y32)})
    return cases


# ---------------------------------------------------------------- LayerNorm

def layer_norm_torch(x, axes, scale, offset, eps, new_std, tt):
    """(b): Ivy's layer norm through F.layer_norm, in the dtype of tt (t64 or t32)."""
    rank = x.ndim
    outer = [a for a in range(rank) if a not in axes]
    perm = outer + list(axes)
    inverse = list(np.argsort(perm))
    xp = np.transpose(x, perm)
    nshape = [x.shape[a] for a in axes]

    def per_group(p):
        if p is None:
            return None
        full = np.broadcast_to(p, x.shape)
        index = tuple(0 if a in outer else slice(None) for a in range(rank))
        return tt(np.array(full[index], copy=True))

    y = F.layer_norm(tt(xp), nshape, per_group(scale), per_group(offset), eps)
    y = y * new_std
    return np.transpose(y.numpy().astype(np.float64), inverse)


def layer_norm_cases(rng):
    # (x shape, normalizedIdxs as the C# call gives them, scale shape or None, offset shape or None)
    specs = [
        ((4,), [-1], (4,), (4,)),
        ((2, 8), [-1], (8,), (8,)),
        ((2, 3, 16), [-1], None, None),
        ((2, 3, 16), [-1], (16,), None),
        ((2, 3, 16), [-1], None, (16,)),
        ((2, 5, 6), [-2, -1], (5, 6), (5, 6)),
        ((2, 5, 6), [2, 1], (5, 6), (1, 6)),
        ((3, 4, 5), [0, 1, 2], (3, 4, 5), (3, 4, 5)),
        ((2, 4, 5), [1], (4, 1), (4, 1)),
        ((2, 4, 5), [-3], (2, 1, 1), None),
        ((2, 3, 4, 5), [1, 3], (3, 1, 5), (3, 1, 5)),
        ((2, 3, 4, 5), [0, 2], (2, 1, 4, 1), None),
        ((6, 1), [-1], (1,), (1,)),
        ((3, 7), [-1], (1,), (7,)),
        ((1, 768), [-1], (768,), (768,)),
        ((4, 33), [-1], (33,), (33,)),
    ]
    cases = []
    for i in range(40):
        if i < len(specs):
            xs, idxs, ss, os_ = specs[i]
        else:
            rank = int(rng.integers(1, 5))
            xs = tuple(int(d) for d in rng.integers(1, 7, size=rank))
            k = int(rng.integers(1, rank + 1))
            trailing = rng.random() < 0.6
            axes = list(range(rank - k, rank)) if trailing else sorted(int(a) for a in rng.choice(rank, size=k, replace=False))
            if all(xs[a] == 1 for a in axes):
                # One-element groups normalise to exactly 0; PyTorch returns its rounding noise (~1e-13) instead,
                # which no relative measure can compare. The drawn size moves to the first normalised axis.
                xs = tuple(2 if a == axes[0] else d for a, d in enumerate(xs))
            idxs = [a - rank if rng.random() < 0.5 else a for a in axes]
            rng.shuffle(idxs)
            kind = int(rng.integers(0, 4))
            typical = [xs[a] if a in axes else 1 for a in range(axes[0], rank)]
            ss = tuple(typical) if kind in (1, 3) else None
            os_ = tuple(typical) if kind in (2, 3) else None
        eps = [1e-5, 1e-3, 0.1, 0.0][i % 4]
        if eps == 0.0 and all(xs[a] == 1 for a in idxs):
            eps = 1e-5  # a one-element group with eps = 0 is 0/0 = NaN, which JSON cannot hold
        new_std = [1.0, 1.0, 2.5, 0.5][(i // 4) % 4]
        x = normal(rng, xs, mean=float(rng.choice([0.0, 3.0, -20.0])), std=float(rng.choice([1.0, 0.1, 5.0])))
        scale = normal(rng, ss, mean=1.0, std=0.5) if ss is not None else None
        offset = normal(rng, os_) if os_ is not None else None
        axes = sorted(a % len(xs) for a in idxs)
        y64 = layer_norm_torch(x, axes, scale, offset, eps, new_std, t64)
        y32 = layer_norm_torch(x, axes, scale, offset, eps, np.float32(new_std), t32)
        inputs = {"x": enc(x)}
        if scale is not None:
            inputs["scale"] = enc(scale)
        if offset is not None:
            inputs["offset"] = enc(offset)
        cases.append({"name": f"layer-norm-{i:02d}", "normalizedIdxs": [int(a) for a in idxs], "eps": eps,
                      "newStd": new_std, "inputs": inputs, "expected": enc(y64), "expectedFloat32": enc(y32)})
    return cases


# ---------------------------------------------------------------- GELU

def gelu_cases(rng):
    edges = f32([-10, -8, -6, -5, -4, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 6, 10, 30])
    inputs = [edges, normal(rng, (4, 25), std=3.0), normal(rng, (2, 3, 7)), normal(rng, (64,), std=6.0)]
    cases = []
    for approximate in (False, True):
        mode = "tanh" if approximate else "none"
        for j, x in enumerate(inputs):
            y64 = F.gelu(t64(x), approximate=mode).numpy()
            y32 = F.gelu(t32(x), approximate=mode).numpy().astype(np.float64)
            cases.append({"name": f"gelu-{mode}-{j}", "approximate": approximate, "inputs": {"x": enc(x)},
                          "expected": enc(y64), "expectedFloat32": enc(y32)})
    return cases


def gelu_high_precision():
    xs = [-37.0 + 49.0 * i / 2000 for i in range(2001)] + [1e-300, -1e-300, 1e-8, -1e-8, 0.0]
    exact, tanh = [], []
    c = mp.sqrt(2 / mp.pi)
    for x in xs:
        m = mp.mpf(x)
        exact.append(float(m / 2 * mp.erfc(-m / mp.sqrt(2))))
        # m/2·(1 + tanh(u)) = m / (1 + exp(−2u)): the same number, without 1 + tanh(u) cancelling below the
        # working precision in the tail (tanh(−354) = −1 + 1e-308 needs 308 digits).
        u = c * (m + mp.mpf("0.044715") * m ** 3)
        tanh.append(float(m / (1 + mp.exp(-2 * u))))
    return {"x": xs, "exact": exact, "tanh": tanh}


def main():
    rng = np.random.default_rng(SEED)
    doc = {
        "generator": "tools/golden/generate_layers.py",
        "torch": torch.__version__,
        "mpmath": mp.__version__,
        "seed": SEED,
        "linear": linear_cases(rng),
        "layerNorm": layer_norm_cases(rng),
        "gelu": gelu_cases(rng),
        "geluHighPrecision": gelu_high_precision(),
    }
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(doc['linear'])} linear, {len(doc['layerNorm'])} layer-norm, {len(doc['gelu'])} gelu cases, "
          f"{len(doc['geluHighPrecision']['x'])} high-precision GELU points -> {os.path.relpath(OUT_PATH)}", file=sys.stderr)


if __name__ == "__main__":
    main()
