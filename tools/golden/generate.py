#!/usr/bin/python3
"""Golden vectors for IvySharp's MultiHeadAttention, computed by PyTorch 1.13 in float64.

Run with Debian's interpreter (``/usr/bin/python3``, which sees the ``python3-torch`` package):

    /usr/bin/python3 tools/golden/generate.py            # writes tests/IvySharp.Tests/Golden/pytorch-mha.json

Every case is one call of the C# contract (docs/contract.md), recorded with its C# arguments in
the C# layout, and the answer of ``torch.nn.functional.multi_head_attention_forward`` (F.mha)
computed in float64 from exactly the same numbers. Inputs are drawn as float32 and upcast, so a
float32 C# call sees bit-for-bit the inputs that PyTorch's float64 computation saw.

F.mha cannot express every contract argument directly. The torch call is mapped as follows
(the recorded C# call is always the contract's, unchanged):

(a) ``scale``: F.mha 1.13 has no scale argument and always divides q by sqrt(d). A custom scale s is
    emulated by multiplying the query projection rows and the query bias by s*sqrt(d) in the torch
    call (float64, so the extra rounding is ~1e-16 relative). C# gets the original weights and ``scale: s``.
(b) ``isCausal``: torch gets a boolean (L, S) mask with j > i masked (top-left aligned over the S key
    columns). F.mha pads attn_mask with a False/0 column for bias_k and for add_zero_attn, so those
    columns stay visible, as the contract requires. Some causal cases also give C# a different
    ``attentionMask`` (bool or float, 2-D or 3-D), which the contract ignores; torch never sees it.
(c) No input projection in C#: torch gets identity projections and no bias. No output projection in
    C#: torch gets an identity out_proj_weight and no out bias.
(d) Fully masked rows: F.mha gives NaN. The contract gives weights 0 and an attention output of 0
    before the output projection (per head: with a 3-D mask one head of a row may be fully masked and
    the others not). Where a case has such rows, the generator takes F.mha's per-head weights, sets
    the NaN rows to 0, and recomputes the tail of F.mha (weights @ v with v projected as F.mha does,
    heads merged, output projection) with torch float64 ops; the NaN output rows are replaced by that.
    (An identity output projection does not isolate the head: NaN * 0 is NaN, so one masked head turns
    the whole output row to NaN.) The recomposition runs for every case and must agree with F.mha to
    1e-12 wherever F.mha's output is finite, so the recomposed tail is checked against torch. Rows are
    only fully masked through bool masks (a float mask holding -inf never masks a whole row; such
    draws are rejected), so the contract's rule applies without doubt. The case records how many
    (n, h, i) rows were fully masked (``fullyMaskedRows``).
(e) dropout: PyTorch's dropout RNG cannot be matched, so every case has dropout 0 (training false).
(f) Query width Q != E (allowed by the contract for packed and separate weights, impossible in F.mha,
    which needs the query width to be E): the query projection is applied first with F.linear in
    float64 and F.mha gets the projected query with an identity (times s*sqrt(d)) query projection.
    C# packed weights with Q != E go to torch as separate weights (K = V = Q, a plain split).
(g) A float key_padding_mask together with an attn_mask: F.mha 1.13 mishandles it (with a float
    attn_mask, masked_fill needs a bool mask and raises; with a bool attn_mask, logical_or turns the
    float values into booleans). The contract adds both masks, so torch gets one merged float 3-D
    attn_mask (bool as -inf, float as is, plus the padding row) and no key_padding_mask.
(h) Absent biases: torch takes None for in_proj_bias and out_proj_bias, so "absent" is passed as None.

Masks in torch need S_static == S (F.mha checks attn_mask against the key's length before it swaps
in static_k), so cases with static keys and any mask use S_static == S; others may differ.

The first cases are the contract's conformance examples E1-E13 (float32-rounded inputs, as the
C# float32 call sees them); the generator asserts that PyTorch reproduces the contract's numbers
(to the 6 printed decimals), which checks the mappings (a), (b), (d) above.

Output format: see tools/golden/README.md.
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240613
CASE_COUNT = 260  # random cases, after the contract examples
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "tests", "IvySharp.Tests", "Golden", "pytorch-mha.json")

torch.set_default_dtype(torch.float64)


# ---------------------------------------------------------------- values

def f32(values):
    """float32-representable values as float64 (what both sides see)."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def normal(rng, shape, std=1.0):
    return (rng.standard_normal(size=shape, dtype=np.float32) * np.float32(std)).astype(np.float32).astype(np.float64)


def uniform(rng, shape, lo, hi):
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(np.float64)


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def enc_float(v):
    v = float(v)
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if math.isnan(v):
        raise ValueError("NaN in a golden vector")
    return v


def arr(a, dtype="float"):
    a = np.asarray(a)
    data = [bool(x) for x in a.ravel()] if dtype == "bool" else [enc_float(x) for x in a.ravel()]
    return {"shape": list(a.shape), "dtype": dtype, "data": data}


# ---------------------------------------------------------------- the torch side

def causal_mask(L, S):
    i = np.arange(L)[:, None]
    j = np.arange(S)[None, :]
    return j > i


def run_torch(c):
    """Maps one C# case (dict of numpy arrays in C# layout + flags) to F.mha; returns output, weights, fully masked row count."""
    H = c["numHeads"]
    batched = c["query"].ndim == 3
    bf = c["batchFirst"] and batched

    def seq_first(x):
        return None if x is None else (np.swapaxes(x, 0, 1) if bf else x)

    query = seq_first(c["query"])
    key = seq_first(c.get("key"))
    value = seq_first(c.get("value"))
    self_attn = key is None
    Q = query.shape[-1]

    # Input projections as (Wq, Wk, Wv, bq, bk, bv) in float64.
    if c.get("inProjWeights") is not None:
        W = c["inProjWeights"]
        E = W.shape[0] // 3
        Wq, Wk, Wv = W[:E], W[E:2 * E], W[2 * E:]
    elif c.get("qProjWeights") is not None:
        Wq, Wk, Wv = c["qProjWeights"], c["kProjWeights"], c["vProjWeights"]
        E = Wq.shape[0]
    else:
        E = Q
        Wq = Wk = Wv = None
    b = c.get("inProjBias")
    bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    d = E // H
    factor = 1.0 if c["scale"] is None else c["scale"] * math.sqrt(d)  # mapping (a)

    tq = t(query)
    tk = tq if self_attn else t(key)
    tv = tq if self_attn else t(value)
    eye = np.eye(E)
    if Wq is not None and Q != E:  # mapping (f): project the query first
        tq = F.linear(tq, t(Wq), None if bq is None else t(bq))
        wq_t, bq_t = eye * factor, None
    else:
        wq_t = (eye if Wq is None else Wq) * factor
        bq_t = None if bq is None else bq * factor
    wk_t = eye if Wk is None else Wk
    wv_t = eye if Wv is None else Wv
    use_separate = c.get("qProjWeights") is not None or (Wq is not None and Q != E)
    if b is None and bq_t is None:
        in_bias = None
    else:
        in_bias = np.concatenate([np.zeros(E) if bq_t is None else bq_t, bk, bv])

    if c.get("outProjWeights") is not None:
        Wo = c["outProjWeights"]
        bo = c.get("outProjBias")
    else:
        Wo, bo = np.eye(E), None

    # Masks: mapping (b) and (g).
    S_keys = tk.shape[0]
    attn = None
    if c["isCausal"]:
        attn = causal_mask(query.shape[0], S_keys)
    elif c.get("attentionMask") is not None:
        attn = c["attentionMask"]
    kpm = c.get("keyPaddingMask")
    N = query.shape[1] if batched else 1
    if kpm is not None and kpm.dtype != np.bool_ and attn is not None:
        af = np.where(attn, -np.inf, 0.0) if attn.dtype == np.bool_ else attn
        if af.ndim == 2:
            af = np.broadcast_to(af, (N * H,) + af.shape)
        k2 = kpm.reshape(N, 1, 1, -1)  # (N, 1, 1, S)
        af = (af.reshape(N, H, af.shape[-2], af.shape[-1]) + k2).reshape(N * H, af.shape[-2], af.shape[-1])
        attn, kpm = af, None

    sk = c.get("staticK")
    sv = c.get("staticV")
    bias_k = c.get("biasK")
    bias_v = c.get("biasV")

    def call(out_w, out_b, average):
        with torch.no_grad():
            return F.multi_head_attention_forward(
                tq, tk, tv, E, H,
                None if use_separate else t(np.concatenate([wq_t, wk_t, wv_t])),
                None if in_bias is None else t(in_bias),
                None if bias_k is None else t(bias_k.reshape(1, 1, E)),
                None if bias_v is None else t(bias_v.reshape(1, 1, E)),
                c["addZeroAttn"], 0.0,
                t(out_w), None if out_b is None else t(out_b),
                training=False,
                key_padding_mask=None if kpm is None else t(kpm),
                need_weights=True,
                attn_mask=None if attn is None else t(attn),
                use_separate_proj_weight=use_separate,
                q_proj_weight=t(wq_t) if use_separate else None,
                k_proj_weight=t(wk_t) if use_separate else None,
                v_proj_weight=t(wv_t) if use_separate else None,
                static_k=None if sk is None else t(sk),
                static_v=None if sv is None else t(sv),
                average_attn_weights=average)

    def recompose(w_heads):
        """The tail of F.mha (weights @ v, heads merged, output projection) in torch float64 ops, for mapping (d)."""
        wh = w_heads if batched else w_heads.unsqueeze(0)  # (N, H, L, S')
        if sv is None:
            tvb = tv if batched else tv.unsqueeze(1)  # (S, N, V)
            v = F.linear(tvb, t(wv_t), None if in_bias is None else t(in_bias[2 * E:]))
            if bias_v is not None:
                v = torch.cat([v, t(bias_v.reshape(1, 1, E)).expand(1, N, E)])
            v = v.reshape(v.shape[0], N * H, d).transpose(0, 1)  # (N*H, S, d)
        else:
            v = t(sv)
        if c["addZeroAttn"]:
            v = torch.cat([v, torch.zeros(N * H, 1, d)], dim=1)
        att = torch.bmm(wh.reshape(N * H, wh.shape[-2], wh.shape[-1]), v)  # (N*H, L, d)
        att = att.transpose(0, 1).reshape(att.shape[1], N, E)
        o = F.linear(att, t(Wo), None if bo is None else t(bo))
        return o if batched else o.squeeze(1)

    out, w = call(Wo, bo, c["averageAttentionWeights"])
    _, w_heads = call(Wo, bo, False)
    nan_rows = torch.isnan(w_heads).all(dim=-1)  # (N, H, L) or (H, L)
    if not torch.equal(torch.isnan(w_heads).any(dim=-1), nan_rows):
        raise AssertionError("partially NaN weight row")
    w_heads = torch.nan_to_num(w_heads, nan=0.0)
    # The recomposition runs for every case: where F.mha's output is finite the two must agree,
    # which checks the recomposition that mapping (d) relies on.
    rebuilt = recompose(w_heads)
    finite = ~torch.isnan(out)
    scale_ = float(out[finite].abs().max()) if bool(finite.any()) else 1.0
    if not torch.allclose(rebuilt[finite], out[finite], rtol=1e-12, atol=1e-13 * scale_):
        raise AssertionError("recomposition disagrees with F.mha")
    masked_rows = int(nan_rows.sum())
    if masked_rows:  # mapping (d)
        out = torch.where(finite, out, rebuilt)
        w = w_heads.sum(dim=-3) / H if c["averageAttentionWeights"] else w_heads
    out = out.numpy()
    if bf:
        out = np.swapaxes(out, 0, 1)
    return np.ascontiguousarray(out), w.numpy(), masked_rows


# ---------------------------------------------------------------- cases

ARRAY_NAMES = ["query", "key", "value", "attentionMask", "inProjWeights", "qProjWeights", "kProjWeights",
               "vProjWeights", "outProjWeights", "inProjBias", "outProjBias", "keyPaddingMask", "biasK",
               "biasV", "staticK", "staticV"]


def base(query, H, **kw):
    c = {"query": query, "numHeads": H, "batchFirst": True, "scale": None, "isCausal": False,
         "addZeroAttn": False, "returnAttentionWeights": False, "averageAttentionWeights": True}
    c.update(kw)
    return c


def contract_examples():
    """E1-E13 with their contract numbers (6 decimals) to check the torch mapping against."""
    x = f32([[1, 0], [0, 1]])
    ex = []
    ex.append(("E1", base(x, 1), [0.669762, 0.330238, 0.330238, 0.669762], None))
    ex.append(("E2", base(x, 2, returnAttentionWeights=True), [0.731059, 0.5, 0.5, 0.731059],
               [0.615529, 0.384471, 0.384471, 0.615529]))
    ex.append(("E2-per-head", base(x, 2, returnAttentionWeights=True, averageAttentionWeights=False),
               [0.731059, 0.5, 0.5, 0.731059], [0.731059, 0.268941, 0.5, 0.5, 0.5, 0.5, 0.268941, 0.731059]))
    ex.append(("E3", base(x, 1, isCausal=True), [1, 0, 0.330238, 0.669762], None))
    ex.append(("E3-ignored-mask", base(x, 1, isCausal=True, attentionMask=f32([[5, -100], [7, 3]])),
               [1, 0, 0.330238, 0.669762], None))
    ex.append(("E4", base(x, 1, keyPaddingMask=np.array([False, True])), [1, 0, 1, 0], None))
    ex.append(("E5", base(x, 1, addZeroAttn=True, returnAttentionWeights=True),
               [0.50349, 0.248255, 0.248255, 0.50349], [0.50349, 0.248255, 0.248255, 0.248255, 0.50349, 0.248255]))
    ex.append(("E6", base(x, 1, biasK=f32([1, 1]), biasV=f32([2, -2]), returnAttentionWeights=True),
               [1.203336, -0.604448, 1.0, -0.401112], [0.401112, 0.197776, 0.401112, 0.197776, 0.401112, 0.401112]))
    ex.append(("E7", base(x, 1, attentionMask=f32([[0, -1], [0, 0]])), [0.846461, 0.153539, 0.330238, 0.669762], None))
    ex.append(("E8", base(x, 1, scale=0.0), [0.5, 0.5, 0.5, 0.5], None))
    ex.append(("E9", base(x, 1, scale=1.0), [0.731059, 0.268941, 0.268941, 0.731059], None))
    ex.append(("E10", base(x, 2, inProjWeights=f32([[0, .1], [.2, .3], [.4, .5], [.6, .7], [.8, .9], [1, 1.1]]),
                           inProjBias=f32([.1, -.1, .2, 0, 0, .3]), outProjWeights=f32([[1, 2], [0, 1], [1, 1]]),
                           outProjBias=f32([0, 1, -1]), returnAttentionWeights=True),
               [3.55075, 2.35025, 1.2005, 3.5515, 2.3505, 1.201], [0.4975, 0.5025, 0.495, 0.505]))
    ex.append(("E11", base(f32([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]), 1),
               [0.669762, 0.330238, 0.330238, 0.669762, 1.888386, 0.111614, 0.111614, 1.888386], None))
    ex.append(("E12", base(x, 1, keyPaddingMask=np.array([True, True]), returnAttentionWeights=True),
               [0, 0, 0, 0], [0, 0, 0, 0]))
    kv = f32(np.arange(8) * 0.2).reshape(4, 1, 2)
    ex.append(("E13", base(f32(np.arange(6) * 0.2).reshape(3, 1, 2), 2, key=kv, value=kv.copy(), batchFirst=False,
                           returnAttentionWeights=True, averageAttentionWeights=False),
               [0.6, 0.839928, 0.679425, 0.918084, 0.755532, 0.991455],
               [.25, .25, .25, .25, .193547, .227129, .266538, .312786, .145237, .20001, .275439, .379315,
                .220846, .239239, .259165, .28075, .1683, .213952, .271986, .345762, .124417, .185608, .276895, .413079]))
    return ex


def divisors(n):
    return [h for h in range(1, n + 1) if n % h == 0]


class Draw:
    """One random case; returns None when the draw must be rejected (see run())."""

    def __init__(self, rng, i):
        self.rng = rng
        self.i = i

    def pick(self, options, p=None):
        return options[self.rng.choice(len(options), p=p)]

    def size(self, lo, hi):
        # Favour the edges (1 and odd sizes) a little.
        if self.rng.random() < 0.06:
            return lo
        return int(self.rng.integers(lo, hi + 1))

    def make(self):
        r, pick = self.rng, self.pick
        tags = []
        batched = r.random() < 0.7
        N = self.size(1, 3) if batched else 1
        batch_first = bool(r.random() < 0.5)
        L = self.size(1, 7)
        cross = r.random() < 0.55
        S = self.size(1, 7) if cross else L
        proj = pick(["none", "packed", "separate"], p=[0.25, 0.4, 0.35])
        E = self.size(1, 16)
        divs = divisors(E)
        # Prefer proper divisors (several heads of width d > 1); H = 1 and H = E still come up.
        H = pick(divs[1:-1]) if len(divs) > 2 and r.random() < 0.7 else pick(divs)
        d = E // H
        if proj == "none":
            Q = K = V = E
        elif proj == "packed":
            Q = E if r.random() < 0.7 else self.size(1, 16)
            K = V = Q
        else:
            Q = E if r.random() < 0.6 else self.size(1, 16)
            if cross:
                K, V = self.size(1, 16), self.size(1, 16)
            else:
                K = V = Q
        mag = pick([0.5, 1.0, 1.0, 2.0, 3.0])

        def seq(Ln, W):
            if not batched:
                return normal(r, (Ln, W), mag)
            return normal(r, (N, Ln, W) if batch_first else (Ln, N, W), mag)

        c = base(seq(L, Q), H, batchFirst=batch_first)
        tags.append("batched" if batched else "unbatched")
        if batched:
            tags.append("batch-first" if batch_first else "seq-first")
        if cross:
            c["key"] = seq(S, K)
            c["value"] = seq(S, V)
            tags.append("cross")
        else:
            tags.append("self")
        tags.append("proj-" + proj)

        if proj == "packed":
            c["inProjWeights"] = normal(r, (3 * E, Q), 1 / math.sqrt(Q))
            if Q != E:
                tags.append("q-width-ne-e")
        elif proj == "separate":
            c["qProjWeights"] = normal(r, (E, Q), 1 / math.sqrt(Q))
            c["kProjWeights"] = normal(r, (E, K), 1 / math.sqrt(K))
            c["vProjWeights"] = normal(r, (E, V), 1 / math.sqrt(V))
            if Q != E:
                tags.append("q-width-ne-e")
            if K != V:
                tags.append("k-width-ne-v")
        if proj != "none" and r.random() < 0.6:
            c["inProjBias"] = normal(r, (3 * E,), 0.5)
            tags.append("in-bias")

        if r.random() < 0.65:
            O = E if r.random() < 0.5 else self.size(1, 16)
            c["outProjWeights"] = normal(r, (O, E), 1 / math.sqrt(E))
            tags.append("out-proj")
            if r.random() < 0.6:
                c["outProjBias"] = normal(r, (O,), 0.5)
                tags.append("out-bias")

        # Static keys/values, bias tokens, zero column.
        static = pick(["none", "k", "v", "kv"], p=[0.7, 0.1, 0.1, 0.1])
        masks_wanted = r.random() < 0.6
        if static != "none":
            # Masks (checked by torch against S) and a lone static K or V (its partner has S) need S_static = S.
            S_static = S if (masks_wanted or static != "kv") else self.size(1, 7)
            if static in ("k", "kv"):
                c["staticK"] = normal(r, (N * H, S_static, d), mag)
                tags.append("static-k")
            if static in ("v", "kv"):
                c["staticV"] = normal(r, (N * H, S_static, d), mag)
                tags.append("static-v")
            if S_static != S:
                tags.append("static-length-ne-s")
            S_eff = S_static
        else:
            S_eff = S
            if r.random() < 0.3:
                shape = (E,) if r.random() < 0.6 else (1, 1, E)
                c["biasK"] = normal(r, shape, mag)
                c["biasV"] = normal(r, shape, mag)
                tags.append("bias-kv")
                if len(shape) == 3:
                    tags.append("bias-kv-3d")
        if r.random() < 0.3:
            c["addZeroAttn"] = True
            tags.append("zero-attn")

        # Masks.
        float_inf = False
        mask_rows = 1 if not batched else N
        if masks_wanted:
            kind = pick(["none", "2d-bool", "2d-float", "3d-bool", "3d-float"], p=[0.2, 0.2, 0.2, 0.2, 0.2])
            causal = r.random() < 0.25
            if kind != "none":
                shape = (L, S_eff) if kind.startswith("2d") else (mask_rows * H, L, S_eff)
                if kind.endswith("bool"):
                    m = r.random(shape) < pick([0.15, 0.3, 0.5])
                else:
                    m = uniform(r, shape, -3.0, 2.0)
                    if r.random() < 0.25:
                        m = np.where(r.random(shape) < 0.2, -np.inf, m)
                        float_inf = True
                        tags.append("float-mask-inf")
                c["attentionMask"] = m
                tags.append(("ignored-mask-" if causal else "mask-") + kind)
            if causal:
                c["isCausal"] = True
                tags.append("causal")
            kpm_kind = pick(["none", "bool", "float"], p=[0.4, 0.35, 0.25])
            if kpm_kind != "none" or (kind == "none" and not causal):
                if kpm_kind == "none":
                    kpm_kind = "bool"
                shape = (S_eff,) if not batched else (N, S_eff)
                if kpm_kind == "bool":
                    k = r.random(shape) < pick([0.2, 0.4])
                    if batched and r.random() < 0.15:
                        k[r.integers(N)] = True  # one sample with every key padded
                    elif not batched and r.random() < 0.05:
                        k[:] = True
                else:
                    k = uniform(r, shape, -2.0, 1.0)
                    if r.random() < 0.2:
                        k = np.where(r.random(shape) < 0.2, -np.inf, k)
                        float_inf = True
                        tags.append("float-kpm-inf")
                    if kind != "none" or causal:
                        tags.append("kpm-float-merged-into-mask")  # mapping (g)
                c["keyPaddingMask"] = k
                tags.append("kpm-" + kpm_kind)

        # Scale and weights.
        if r.random() < 0.35:
            c["scale"] = float(pick([0.0, 0.125, 0.37, 1.0, 2.5, -0.5, 1 / math.sqrt(d)]))
            tags.append("scale" if c["scale"] > 0 else ("scale-zero" if c["scale"] == 0 else "scale-negative"))
        w = pick(["none", "avg", "per-head"])
        if w != "none":
            c["returnAttentionWeights"] = True
            c["averageAttentionWeights"] = w == "avg"
        else:
            c["averageAttentionWeights"] = bool(r.random() < 0.5)  # ignored without weights
        tags.append("weights-" + w)
        for sym, v in (("N", N if batched else 0), ("L", L), ("S", S_eff), ("E", E), ("H", H), ("d", d)):
            if v == 1:
                tags.append(sym + "=1")
        if H == E and E > 1:
            tags.append("H=E")
        return c, tags, float_inf


def record(name, c, tags, out, w, masked):
    inputs = {}
    for n in ARRAY_NAMES:
        v = c.get(n)
        if v is not None:
            inputs[n] = arr(v, "bool" if v.dtype == np.bool_ else "float")
    return {
        "name": name,
        "tags": tags,
        "args": {k: c[k] for k in ["numHeads", "batchFirst", "scale", "isCausal", "addZeroAttn",
                                   "returnAttentionWeights", "averageAttentionWeights"]},
        "inputs": inputs,
        "fullyMaskedRows": masked,
        "expected": {
            "output": {"shape": list(out.shape), "data": [enc_float(x) for x in out.ravel()]},
            "weights": ({"shape": list(w.shape), "data": [enc_float(x) for x in w.ravel()]}
                        if c["returnAttentionWeights"] else None),
        },
    }


def main():
    cases = []
    for name, c, want_out, want_w in contract_examples():
        out, w, masked = run_torch(c)
        np.testing.assert_allclose(out.ravel(), want_out, atol=1.5e-6, rtol=0, err_msg=name)
        if want_w is not None:
            np.testing.assert_allclose(w.ravel(), want_w, atol=1.5e-6, rtol=0, err_msg=name)
        cases.append(record(name, c, ["contract-example"], out, w, masked))

    rng = np.random.default_rng(SEED)
    rejected = 0
    i = 0
    while i < CASE_COUNT:
        c, tags, float_inf = Draw(rng, i).make()
        out, w, masked = run_torch(c)
        if masked and float_inf:
            rejected += 1  # a -inf float entry might be what masks the row: keep the contract's rule unambiguous
            continue
        if masked:
            tags.append("fully-masked-rows")
        cases.append(record(f"case-{i:03d}", c, tags, out, w, masked))
        i += 1

    coverage = {}
    for case in cases:
        for tag in case["tags"]:
            coverage[tag] = coverage.get(tag, 0) + 1
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    doc = {
        "generator": "tools/golden/generate.py",
        "torch": torch.__version__,
        "seed": SEED,
        "cases": cases,
    }
    with open(OUT_PATH, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases ({rejected} draws rejected) -> {os.path.relpath(OUT_PATH)}", file=sys.stderr)
    for tag in sorted(coverage):
        print(f"  {tag}: {coverage[tag]}", file=sys.stderr)


if __name__ == "__main__":
    main()
