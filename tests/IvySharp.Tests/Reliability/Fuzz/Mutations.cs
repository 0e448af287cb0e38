using System.Globalization;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// The ways <see cref="HostileCalls"/> breaks (or, by chance, keeps) a valid call. Each one edits the spec
/// and leaves a note; whether the result is still valid is for <see cref="ContractOracle"/> to decide.
/// </summary>
internal static class Mutations
{
    private static readonly Func<CallSpec, Random, string?>[] All =
    [
        OffByOne, OffByOne, OffByOne, OffByOne, RankChange, RankChange, DTypeChange, DTypeChange,
        NumHeads, Scale, Dropout, LoneKeyOrValue, LoneBiasToken, BiasWithStatic, InProjBiasWithoutWeights,
        OutBiasWithoutWeights, PartialSeparateWeights, OutOfShape, OutOfShape, OutAlias, StaticWrong,
        FlipBatchFirst, MaskShapeSwap, NewLayout, QueryNull,
    ];

    public static void Apply(CallSpec c, Random r)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            // A mutation that would need a real array of more than 2²⁰ elements (a zero dimension of a huge
            // empty array made 1) is undone: such arrays cannot be built cheaply, and their construction is
            // fuzzed on its own (ArrayCase).
            var before = new Dictionary<string, ArraySpec>(c.Arrays);
            if (All[r.Next(All.Length)](c, r) is { } note)
            {
                if (c.Arrays.Values.All(a => a.Count is >= 0 and <= 1 << 20))
                {
                    c.Notes.Add(note);
                    return;
                }

                c.Arrays.Clear();
                foreach (var (name, spec) in before) c.Arrays[name] = spec;
            }
        }
    }

    private static string? OffByOne(CallSpec c, Random r)
    {
        var (name, spec) = AnyArray(c, r, withRank: true);
        if (name is null) return null;
        int axis = r.Next(spec!.Shape.Length);
        int delta = spec.Shape[axis] == 0 || (spec.Shape[axis] < int.MaxValue && r.Next(2) == 0) ? 1 : -1;
        int[] shape = (int[])spec.Shape.Clone();
        shape[axis] += delta;
        c.Arrays[name] = spec with { Shape = shape };
        return $"{name} axis {axis} {(delta > 0 ? "+1" : "-1")}";
    }

    private static string? RankChange(CallSpec c, Random r)
    {
        var (name, spec) = AnyArray(c, r, withRank: false);
        if (name is null) return null;
        int[] shape = spec!.Shape;
        int[] changed = r.Next(5) switch
        {
            0 => [1, .. shape],
            1 => [.. shape, 1],
            2 => shape.Length > 0 ? shape[1..] : [2],
            3 => [],
            _ => [.. Enumerable.Repeat(1, Math.Max(0, 4 - shape.Length)), .. shape[..Math.Min(shape.Length, 4)]],
        };
        c.Arrays[name] = spec with { Shape = changed, Layout = changed.Length == 0 ? Layout.Scalar : spec.Layout == Layout.Scalar ? Layout.Dense : spec.Layout };
        return $"{name} rank {shape.Length} -> {changed.Length}";
    }

    private static string? DTypeChange(CallSpec c, Random r)
    {
        var (name, spec) = AnyArray(c, r, withRank: false);
        if (name is null) return null;
        DType dtype = HostileCalls.AnyType(r);
        if (dtype == spec!.DType) return null;
        c.Arrays[name] = spec with { DType = dtype };
        if (c.OutOverlaps == name) c.OutOverlaps = null; // one memory block has one element type
        return $"{name} dtype {spec.DType} -> {dtype}";
    }

    private static string? NumHeads(CallSpec c, Random r)
    {
        int e = EstimateE(c);
        c.NumHeads = r.Next(6) switch { 0 => 0, 1 => -1, 2 => int.MinValue, 3 => e + 1, 4 => int.MaxValue, _ => r.Next(1, 7) };
        return $"numHeads {c.NumHeads}";
    }

    private static string? Scale(CallSpec c, Random r)
    {
        // Scales that push logits past float32's range, or into argmax territory where a float32 rounding
        // flips the winner, only for float64 calls: float16/float32 compute in float32 (see docs/reliability.md),
        // where logits of ~100 already cost ~1e-5 of relative accuracy (u·|logit|).
        bool wide = c.Arrays["query"].DType == DType.Float64;
        c.Scale = r.Next(7) switch
        {
            0 => double.NaN, 1 => double.PositiveInfinity, 2 => double.NegativeInfinity,
            3 => wide ? double.MaxValue : 100, 4 => double.Epsilon, 5 => -0.0, _ => wide ? 1e30 : -100,
        };
        return $"scale {c.Scale.Value.ToString("R", CultureInfo.InvariantCulture)}";
    }

    private static string? Dropout(CallSpec c, Random r)
    {
        c.Dropout = r.Next(8) switch
        {
            0 => -1e-12, 1 => 1 + 1e-12, 2 => double.NaN, 3 => double.PositiveInfinity, 4 => double.NegativeInfinity,
            5 => -0.0, 6 => 1.0, _ => -2,
        };
        c.Training = r.Next(2) == 0;
        return $"dropout {c.Dropout.ToString("R", CultureInfo.InvariantCulture)} training {c.Training}";
    }

    private static string? LoneKeyOrValue(CallSpec c, Random r)
    {
        if (c.Arrays.ContainsKey("key"))
        {
            string drop = r.Next(2) == 0 ? "key" : "value";
            c.Arrays.Remove(drop);
            Unalias(c, drop);
            return $"{drop} removed";
        }

        c.Arrays[r.Next(2) == 0 ? "key" : "value"] = c.Arrays["query"] with { };
        return "a lone key or value added";
    }

    private static string? LoneBiasToken(CallSpec c, Random r)
    {
        int e = EstimateE(c);
        if (c.Arrays.ContainsKey("biasK"))
        {
            string drop = r.Next(2) == 0 ? "biasK" : "biasV";
            c.Arrays.Remove(drop);
            return $"{drop} removed";
        }

        string add = r.Next(2) == 0 ? "biasK" : "biasV";
        c.Arrays[add] = new ArraySpec([e], Dtype(c));
        return $"lone {add}";
    }

    private static string? BiasWithStatic(CallSpec c, Random r)
    {
        int e = EstimateE(c);
        c.Arrays["biasK"] = new ArraySpec([e], Dtype(c));
        c.Arrays["biasV"] = new ArraySpec([e], Dtype(c));
        if (!c.Arrays.ContainsKey("staticK") && !c.Arrays.ContainsKey("staticV"))
        {
            int h = Math.Max(c.NumHeads, 1);
            c.Arrays[r.Next(2) == 0 ? "staticK" : "staticV"] = new ArraySpec([h, 2, Math.Max(e / h, 0)], Dtype(c));
        }

        return "bias tokens with static keys/values";
    }

    private static string? InProjBiasWithoutWeights(CallSpec c, Random r)
    {
        foreach (string w in (string[])["inProjWeights", "qProjWeights", "kProjWeights", "vProjWeights"]) c.Arrays.Remove(w);
        c.Arrays["inProjBias"] = new ArraySpec([3 * EstimateE(c)], Dtype(c));
        return "inProjBias without weights";
    }

    private static string? OutBiasWithoutWeights(CallSpec c, Random r)
    {
        c.Arrays.Remove("outProjWeights");
        c.Arrays["outProjBias"] = new ArraySpec([r.Next(1, 4)], Dtype(c));
        return "outProjBias without weights";
    }

    private static string? PartialSeparateWeights(CallSpec c, Random r)
    {
        int q = c.Arrays["query"].Shape.LastOrDefault();
        int e = Math.Max(EstimateE(c), 1);
        if (c.Arrays.ContainsKey("qProjWeights"))
        {
            string drop = new[] { "qProjWeights", "kProjWeights", "vProjWeights" }[r.Next(3)];
            c.Arrays.Remove(drop);
            return $"{drop} removed";
        }

        if (c.Arrays.ContainsKey("inProjWeights"))
        {
            string add = new[] { "qProjWeights", "kProjWeights", "vProjWeights" }[r.Next(3)];
            c.Arrays[add] = new ArraySpec([e, q], Dtype(c));
            return $"{add} added to inProjWeights";
        }

        c.Arrays["kProjWeights"] = new ArraySpec([e, q], Dtype(c));
        return "kProjWeights alone";
    }

    private static string? OutOfShape(CallSpec c, Random r)
    {
        int[] shape = c.Arrays.TryGetValue("out", out var o) ? o.Shape : c.Arrays["query"].Shape;
        c.OutSameAs = null;
        c.OutOverlaps = null;
        switch (r.Next(4))
        {
            case 0:
                c.Arrays["out"] = new ArraySpec(shape.Length >= 2 ? [shape[1], shape[0], .. shape[2..]] : shape, Dtype(c));
                return "out with its first two axes swapped";
            case 1:
                c.Arrays["out"] = new ArraySpec(shape, DType.Bool);
                return "out of dtype bool";
            case 2:
                c.Arrays["out"] = new ArraySpec(shape, Dtype(c), Layout.Broadcast);
                return "out as a broadcast view";
            default:
                c.Arrays["out"] = new ArraySpec([.. shape, 1], Dtype(c));
                return "out with an extra axis";
        }
    }

    private static string? OutAlias(CallSpec c, Random r)
    {
        string[] candidates = c.Arrays.Keys.Where(k => k != "out").ToArray();
        string target = candidates[r.Next(candidates.Length)];
        c.Arrays.Remove("out");
        c.OutOverlaps = null;
        c.OutSameAs = null;
        if (r.Next(2) == 0)
        {
            c.OutSameAs = target;
            return $"out is {target}";
        }

        int[] outShape = c.Arrays["query"].Shape;
        c.OutOverlaps = target;
        c.Arrays[target] = c.Arrays[target] with { Layout = Layout.Tensor };
        c.Arrays["out"] = new ArraySpec(outShape, c.Arrays[target].DType, Layout.Tensor);
        return $"out overlaps {target}";
    }

    private static string? StaticWrong(CallSpec c, Random r)
    {
        string name = r.Next(2) == 0 ? "staticK" : "staticV";
        int h = Math.Max(c.NumHeads, 1);
        int d = Math.Max(EstimateE(c) / h, 0);
        long nh = (long)BatchSize(c) * h;
        if (nh >= int.MaxValue) return null;
        int[] shape = [(int)nh, 2, d];
        shape[r.Next(3)] += 1;
        c.Arrays[name] = new ArraySpec(shape, Dtype(c));
        return $"{name} ({string.Join(", ", shape)})";
    }

    private static string? FlipBatchFirst(CallSpec c, Random r)
    {
        c.BatchFirst = !c.BatchFirst;
        return "batchFirst flipped";
    }

    private static string? MaskShapeSwap(CallSpec c, Random r)
    {
        string name = r.Next(2) == 0 ? "attentionMask" : "keyPaddingMask";
        if (!c.Arrays.TryGetValue(name, out var spec) || spec.Shape.Length == 0) return null;
        int[] shape = [.. spec.Shape.Reverse()];
        if (r.Next(2) == 0) shape = [BatchSize(c), .. spec.Shape];
        c.Arrays[name] = spec with { Shape = shape };
        return $"{name} ({string.Join(", ", shape)})";
    }

    private static string? NewLayout(CallSpec c, Random r)
    {
        var (name, spec) = AnyArray(c, r, withRank: true);
        if (name is null || name == c.OutOverlaps) return null;
        Layout layout = name == "out" ? HostileCalls.OutLayout(r) : HostileCalls.InputLayout(r);
        c.Arrays[name] = spec! with { Layout = layout };
        return $"{name} as {layout}";
    }

    private static string? QueryNull(CallSpec c, Random r)
    {
        if (r.Next(4) != 0) return null;
        c.QueryNull = true;
        c.Instance = false;
        return "query null";
    }

    private static (string? Name, ArraySpec? Spec) AnyArray(CallSpec c, Random r, bool withRank)
    {
        string[] names = c.Arrays.Where(a => !withRank || a.Value.Shape.Length > 0).Select(a => a.Key).ToArray();
        if (names.Length == 0) return (null, null);
        string name = names[r.Next(names.Length)];
        return (name, c.Arrays[name]);
    }

    private static void Unalias(CallSpec c, string name)
    {
        if (c.OutSameAs == name) c.OutSameAs = null;
        if (c.OutOverlaps == name)
        {
            c.OutOverlaps = null;
            c.Arrays.Remove("out");
        }
    }

    private static DType Dtype(CallSpec c) => c.Arrays["query"].DType;

    private static int BatchSize(CallSpec c)
    {
        int[] q = c.Arrays["query"].Shape;
        return q.Length != 3 ? 1 : c.BatchFirst ? q[0] : q[1];
    }

    // E as the spec stands: the projection's rows if any, else the query's width.
    private static int EstimateE(CallSpec c)
    {
        if (c.Arrays.TryGetValue("inProjWeights", out var w) && w.Shape.Length == 2) return w.Shape[0] / 3;
        if (c.Arrays.TryGetValue("qProjWeights", out var q) && q.Shape.Length == 2) return q.Shape[0];
        int[] query = c.Arrays["query"].Shape;
        return query.Length > 0 ? query[^1] : 1;
    }
}
