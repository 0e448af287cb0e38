using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>The oracle's judgement: valid or not, which parameters an error may name, and what a valid call returns.</summary>
public sealed record Verdict(
    IReadOnlySet<string> Broken,
    IReadOnlyList<string> Reasons,
    int[]? OutputShape,
    int[]? WeightsShape,
    double Cost)
{
    public bool Valid => Broken.Count == 0;
}

/// <summary>
/// A second, independent reading of the contract's error rules (docs/contract.md §1–§10) plus the library's
/// documented size limits, written from the contract rather than from <c>AttentionValidator</c>. It collects
/// <i>every</i> rule a call breaks, so the library, which stops at its first, must name one of them. Rules
/// that depend on a quantity another broken rule left undefined (E when the projection weights are
/// malformed, say) are not evaluated; the library cannot reach them either, since it checks in dependency order.
/// </summary>
public static class ContractOracle
{
    public static Verdict Judge(MhaCall c, bool outOverlapsItself)
    {
        var broken = new HashSet<string>();
        var reasons = new List<string>();
        int[]? outputShape = null, weightsShape = null;
        double cost = 0;
        void Break(string reason, params string[] names)
        {
            foreach (string name in names) broken.Add(name);
            reasons.Add(reason);
        }

        IvyArray? query = c.Query;
        if (query is null)
        {
            Break("query is null", "query");
            return Done();
        }

        // §1: the query fixes dtype and layout; the library checks it first and stops there.
        if (query.DType == DType.Bool) Break("query is bool", "query");
        else if (query.Rank is not (2 or 3)) Break($"query rank {query.Rank}", "query");
        if (broken.Count > 0) return Done();

        DType dt = query.DType;
        bool batched = query.Rank == 3;
        int[] qs = query.Shape;
        long n = batched ? (c.BatchFirst ? qs[0] : qs[1]) : 1;
        long l = batched ? (c.BatchFirst ? qs[1] : qs[0]) : qs[0];
        long qf = qs[^1];
        if ((c.Key is null) != (c.Value is null)) Break("lone key or value", c.Key is null ? "key" : "value");
        IvyArray key = c.Key ?? query, value = c.Value ?? query;
        long? sInput = null, kf = null, vf = null, valueS = null;
        foreach (var (array, name) in new[] { (key, "key"), (value, "value") })
        {
            if (array.DType != dt) Break($"{name} dtype {array.DType}", name);
            if (array.Rank != query.Rank)
            {
                Break($"{name} rank {array.Rank}", name);
                continue;
            }

            int[] shape = array.Shape;
            long arrayN = batched ? (c.BatchFirst ? shape[0] : shape[1]) : 1;
            if (arrayN != n) Break($"{name} batch {arrayN} != {n}", name);
            long tokens = batched ? (c.BatchFirst ? shape[1] : shape[0]) : shape[0];
            if (name == "key") (sInput, kf) = (tokens, shape[^1]);
            else (valueS, vf) = (tokens, shape[^1]);
        }

        if (sInput is not null && valueS is not null && sInput != valueS) Break("value length != key length", "value");

        long? h = c.NumHeads >= 1 ? c.NumHeads : null;
        if (h is null) Break($"numHeads {c.NumHeads}", "numHeads");
        if (c.Scale is double scale && !double.IsFinite(scale)) Break("scale not finite", "scale");
        if (c.Scale is double big && dt != DType.Float64 && float.IsInfinity((float)big)) Break("scale overflows float32", "scale");
        if (!(c.Dropout >= 0 && c.Dropout <= 1)) Break("dropout outside [0, 1]", "dropout");

        // §2 projections and E.
        long? e = Projections(c, dt, qf, kf, vf, Break);
        long? d = e is not null && h is not null && e % h == 0 ? e / h : null;
        if (e is not null && h is not null && e % h != 0) Break($"E {e} not divisible by {h}", "numHeads");

        // §4 static keys/values, bias tokens, S and S′.
        long? s = sInput;
        long? staticLength = null;
        foreach (var (array, name) in new[] { (c.StaticK, "staticK"), (c.StaticV, "staticV") })
        {
            if (array is null) continue;
            if (array.DType != dt) Break($"{name} dtype", name);
            int[] shape = array.Shape;
            if (shape.Length != 3 || (h is not null && shape[0] != n * h) || (d is not null && shape[2] != d))
            {
                Break($"{name} shape", name);
                continue;
            }

            if (staticLength is not null && staticLength != shape[1]) Break("static lengths differ", "staticK", "staticV");
            staticLength ??= shape[1];
        }

        bool oneStatic = (c.StaticK is null) != (c.StaticV is null);
        if (staticLength is not null && oneStatic && sInput is not null && staticLength != sInput)
        {
            Break("a lone static array's length differs from the projected one", c.StaticK is not null ? "staticK" : "staticV");
        }

        if (c.StaticK is not null) s = c.StaticK.Rank == 3 ? c.StaticK.Shape[1] : null;

        bool biasTokens = c.BiasK is not null && c.BiasV is not null;
        if ((c.BiasK is null) != (c.BiasV is null)) Break("lone bias token", c.BiasK is null ? "biasK" : "biasV");
        if (c.BiasK is not null && c.BiasV is not null && (c.StaticK is not null || c.StaticV is not null)) Break("bias tokens with static", "biasK", "staticK");
        foreach (var (array, name) in new[] { (c.BiasK, "biasK"), (c.BiasV, "biasV") })
        {
            if (array is null) continue;
            if (array.DType != dt) Break($"{name} dtype", name);
            int[] shape = array.Shape;
            bool ok = (shape.Length == 1 && (e is null || shape[0] == e)) || (shape.Length == 3 && shape[0] == 1 && shape[1] == 1 && (e is null || shape[2] == e));
            if (!ok) Break($"{name} shape", name);
        }

        long? sPrime = s is null ? null : s + (biasTokens ? 1 : 0) + (c.AddZeroAttn ? 1 : 0);

        // §5 masks: any dtype; shapes only.
        if (c.AttentionMask is { } mask && s is not null && h is not null)
        {
            int[] shape = mask.Shape;
            bool ok = (shape.Length == 2 && shape[0] == l && shape[1] == s) || (shape.Length == 3 && shape[0] == n * h && shape[1] == l && shape[2] == s);
            if (!ok) Break("attentionMask shape", "attentionMask");
        }

        if (c.KeyPaddingMask is { } padding && s is not null)
        {
            int[] shape = padding.Shape;
            bool ok = batched ? shape.Length == 2 && shape[0] == n && shape[1] == s : shape.Length == 1 && shape[0] == s;
            if (!ok) Break("keyPaddingMask shape", "keyPaddingMask");
        }

        // §7 output projection.
        long? o = e;
        if (c.OutProjWeights is { } wo)
        {
            if (wo.DType != dt) Break("outProjWeights dtype", "outProjWeights");
            if (wo.Rank != 2 || (e is not null && wo.Shape[1] != e))
            {
                Break("outProjWeights shape", "outProjWeights");
                o = null;
            }
            else
            {
                o = wo.Shape[0];
            }
        }

        if (c.OutProjBias is { } bo)
        {
            if (c.OutProjWeights is null) Break("outProjBias without weights", "outProjBias");
            if (bo.DType != dt) Break("outProjBias dtype", "outProjBias");
            if (bo.Rank != 1 || (o is not null && bo.Shape[0] != o)) Break("outProjBias shape", "outProjBias");
        }

        // Sizes (the library's documented limit: every buffer is one CLR array).
        if (e is not null && o is not null && sPrime is not null && h is not null)
        {
            if (!Fits(n, h.Value)) Break("N·H too large", "numHeads");
            if (!Fits(sPrime.Value)) Break("S′ too large", "key");
            if (!Fits(n, l, o.Value)) Break("output too large", "query");
            if (!Fits(n, l, e.Value)) Break("projected queries too large", "query");
            if (!Fits(n, sPrime.Value, e.Value)) Break("projected keys too large", "key");
            if (c.ReturnAttentionWeights && !Fits(n, l, sPrime.Value, c.AverageAttentionWeights ? 1 : h.Value)) Break("weights too large", "returnAttentionWeights");
            if (broken.Count == 0)
            {
                outputShape = HostileCalls.Layout3(batched, c.BatchFirst, (int)n, (int)l, (int)o);
                if (c.ReturnAttentionWeights)
                {
                    weightsShape = c.AverageAttentionWeights
                        ? (batched ? [(int)n, (int)l, (int)sPrime] : [(int)l, (int)sPrime])
                        : (batched ? [(int)n, (int)h, (int)l, (int)sPrime] : [(int)h, (int)l, (int)sPrime]);
                }

                long maxWidth = Math.Max(qf, Math.Max(kf ?? 0, vf ?? 0));
                // Per (sample, head) work happens even when d = 0 (bias/zero tokens, static copies, head loops).
                cost = ((double)n * h.Value * (l + 1) * (sPrime.Value + 1) * ((d ?? 0) + 1))
                    + ((double)n * (l + (sInput ?? 0)) * (e.Value + 1) * (maxWidth + 1))
                    + ((double)n * l * (o.Value + 1) * (e.Value + 1)) + sPrime.Value;
            }
        }

        // §9 out.
        if (c.Out is { } output)
        {
            if (output.DType == DType.Bool) Break("out is bool", "out");
            if (outputShape is not null && !output.Shape.SequenceEqual(outputShape)) Break("out shape", "out");
            if (outOverlapsItself) Break("out elements overlap", "out");
        }

        return Done();

        Verdict Done() => new(broken, reasons, broken.Count == 0 ? outputShape : null, broken.Count == 0 ? weightsShape : null, cost);
    }

    private static bool Fits(params long[] factors)
    {
        if (factors.Contains(0)) return true;
        double product = 1;
        foreach (long f in factors) product *= f;
        return product <= Array.MaxLength;
    }

    private static long? Projections(MhaCall c, DType dt, long qf, long? kf, long? vf, Action<string, string[]> fail)
    {
        void Break(string reason, params string[] names) => fail(reason, names);
        bool anySeparate = c.QProjWeights is not null || c.KProjWeights is not null || c.VProjWeights is not null;
        long? e;
        if (c.InProjWeights is { } w)
        {
            if (anySeparate) Break("packed and separate weights", "inProjWeights");
            if (w.DType != dt) Break("inProjWeights dtype", "inProjWeights");
            if (w.Rank != 2 || w.Shape[0] % 3 != 0 || w.Shape[1] != qf)
            {
                Break("inProjWeights shape", "inProjWeights");
                e = null;
            }
            else
            {
                e = w.Shape[0] / 3;
            }

            if (kf is not null && kf != qf) Break("key width != Q with packed weights", "key");
            if (vf is not null && vf != qf) Break("value width != Q with packed weights", "value");
        }
        else if (anySeparate)
        {
            var missing = new[] { (c.QProjWeights, "qProjWeights"), (c.KProjWeights, "kProjWeights"), (c.VProjWeights, "vProjWeights") }
                .Where(x => x.Item1 is null).Select(x => x.Item2).ToArray();
            if (missing.Length > 0)
            {
                Break("some separate weights missing", missing);
                return null;
            }

            IvyArray wq = c.QProjWeights!, wk = c.KProjWeights!, wv = c.VProjWeights!;
            if (wq.DType != dt) Break("qProjWeights dtype", "qProjWeights");
            if (wk.DType != dt) Break("kProjWeights dtype", "kProjWeights");
            if (wv.DType != dt) Break("vProjWeights dtype", "vProjWeights");
            if (wq.Rank != 2 || wq.Shape[1] != qf)
            {
                Break("qProjWeights shape", "qProjWeights");
                return null;
            }

            e = wq.Shape[0];
            if (wk.Rank != 2 || wk.Shape[0] != e || (kf is not null && wk.Shape[1] != kf)) Break("kProjWeights shape", "kProjWeights");
            if (wv.Rank != 2 || wv.Shape[0] != e || (vf is not null && wv.Shape[1] != vf)) Break("vProjWeights shape", "vProjWeights");
        }
        else
        {
            if (c.InProjBias is not null) Break("inProjBias without weights", "inProjBias");
            if (kf is not null && kf != qf) Break("key width != E without projection", "key");
            if (vf is not null && vf != qf) Break("value width != E without projection", "value");
            return qf;
        }

        if (c.InProjBias is { } bias)
        {
            if (bias.DType != dt) Break("inProjBias dtype", "inProjBias");
            if (bias.Rank != 1 || (e is not null && bias.Shape[0] != 3 * e)) Break("inProjBias shape", "inProjBias");
        }

        return e;
    }
}
