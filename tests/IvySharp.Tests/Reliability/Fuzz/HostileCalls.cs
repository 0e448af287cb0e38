namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>One fuzz case: a call (as a spec) or an array construction.</summary>
public sealed record HostileCase(int Seed, CallSpec? Call, ArrayCase? Array);

/// <summary>
/// Seeded random calls mixing valid and invalid arguments (issue "Reliability", part 1). About 40 % are
/// a valid call left alone; the rest take one to three mutations: dimensions off by one in any argument,
/// ranks 0–4, dtypes swapped (bool included), numHeads ≤ 0 or not dividing E, NaN/∞ scale, dropout outside
/// [0, 1], lone key/value/bias tokens, half-given projections, static keys with bias tokens, @out of the
/// wrong shape or dtype, aliasing an input or a broadcast view, the layout flipped, or dimensions whose
/// products overflow (on empty arrays). A tenth of the cases construct arrays instead (shapes with negative
/// or overflowing dimensions, data of the wrong length, undefined dtypes). Sizes stay small: N ≤ 3,
/// L, S ≤ 5, H ≤ 3, d ≤ 3, zeros included; layouts mix plain arrays, dense tensors, padded and
/// column-major strided views and broadcast views. The same seed gives the same case.
/// </summary>
public static class HostileCalls
{
    private static readonly DType[] Floats = [DType.Float16, DType.Float32, DType.Float64];
    private static readonly DType[] AllTypes = [DType.Float16, DType.Float32, DType.Float64, DType.Bool];

    public static HostileCase Create(int seed)
    {
        var r = new Random(seed);
        if (r.Next(10) == 0) return new HostileCase(seed, null, ArrayCase.Create(r));
        CallSpec spec = r.Next(12) == 0 ? HugeSpec(r) : ValidSpec(r);
        if (r.Next(10) >= 4)
        {
            int mutations = r.Next(4) == 0 ? r.Next(2, 4) : 1;
            for (int i = 0; i < mutations; i++) Mutations.Apply(spec, r);
        }

        // A NaN/∞ input with an extreme scale in float32 compute: whether a weight underflows to exactly 0 (and
        // so skips a ±∞ value) or a tiny scale flushes to 0 (0·∞ = NaN) depends on the precision, so the float64
        // reference cannot stand in for the float32 result there. Such calls keep the scale and lose the poison.
        if (spec.Poison is not null && spec.Scale is double scale && scale != 0 && (Math.Abs(scale) > 10 || Math.Abs(scale) < 1e-30)
            && spec.Arrays.TryGetValue("query", out var compute) && compute.DType != DType.Float64)
        {
            spec.Poison = null;
            spec.Notes.Add("poison dropped (extreme scale in float32 compute)");
        }

        // Active dropout needs a seed for the result to be reproducible (and comparable with the reference).
        if (spec.Training && spec.Dropout > 0 && spec.Seed is null) spec.Seed = r.Next();
        if (spec.Instance && !spec.BatchFirst && spec.Arrays.TryGetValue("query", out var q) && q.Shape.Length == 3) spec.Instance = false;
        return new HostileCase(seed, spec, null);
    }

    /// <summary>A valid call with small, sometimes empty, dimensions.</summary>
    public static CallSpec ValidSpec(Random r)
    {
        var c = new CallSpec();
        DType dt = Floats[r.Next(3)];
        bool batched = r.Next(4) != 0;
        c.BatchFirst = r.Next(2) == 0;
        int n = batched ? (r.Next(16) == 0 ? 0 : r.Next(1, 4)) : 1;
        int l = SmallDim(r), sInput = SmallDim(r);
        int h = r.Next(1, 4), d = r.Next(16) == 0 ? 0 : r.Next(1, 4), e = h * d;
        int route = r.Next(3);
        int qf = route == 0 ? e : r.Next(1, 6);
        int kf = route == 2 ? r.Next(1, 6) : qf, vf = route == 2 ? r.Next(1, 6) : qf;
        bool self = kf == qf && vf == qf && r.Next(4) == 0;
        if (self) sInput = l;
        c.NumHeads = h;
        c.Amplitude = r.Next(4) == 0 ? 3 : 1;
        c.Arrays["query"] = new ArraySpec(Layout3(batched, c.BatchFirst, n, l, qf), dt, InputLayout(r));
        if (!self)
        {
            c.Arrays["key"] = new ArraySpec(Layout3(batched, c.BatchFirst, n, sInput, kf), dt, InputLayout(r));
            c.Arrays["value"] = new ArraySpec(Layout3(batched, c.BatchFirst, n, sInput, vf), dt, InputLayout(r));
        }

        if (route == 1) c.Arrays["inProjWeights"] = new ArraySpec([3 * e, qf], dt, InputLayout(r));
        if (route == 2)
        {
            c.Arrays["qProjWeights"] = new ArraySpec([e, qf], dt, InputLayout(r));
            c.Arrays["kProjWeights"] = new ArraySpec([e, kf], dt, InputLayout(r));
            c.Arrays["vProjWeights"] = new ArraySpec([e, vf], dt, InputLayout(r));
        }

        if (route != 0 && r.Next(2) == 0) c.Arrays["inProjBias"] = new ArraySpec([3 * e], dt, InputLayout(r));

        bool withStaticK = r.Next(6) == 0, withStaticV = r.Next(6) == 0;
        int sStatic = withStaticK && withStaticV ? SmallDim(r) : sInput;
        if (withStaticK) c.Arrays["staticK"] = new ArraySpec([n * h, sStatic, d], dt, InputLayout(r));
        if (withStaticV) c.Arrays["staticV"] = new ArraySpec([n * h, sStatic, d], dt, InputLayout(r));
        int s = withStaticK ? sStatic : sInput;
        if (!withStaticK && !withStaticV && r.Next(6) == 0)
        {
            int[] shape = r.Next(2) == 0 ? [e] : [1, 1, e];
            c.Arrays["biasK"] = new ArraySpec(shape, dt, InputLayout(r));
            c.Arrays["biasV"] = new ArraySpec((int[])shape.Clone(), dt, InputLayout(r));
        }

        c.AddZeroAttn = r.Next(5) == 0;
        c.IsCausal = r.Next(5) == 0;
        if (r.Next(5) < 2) c.Arrays["attentionMask"] = new ArraySpec(r.Next(2) == 0 ? [l, s] : [n * h, l, s], MaskType(r), InputLayout(r));
        if (r.Next(10) < 3) c.Arrays["keyPaddingMask"] = new ArraySpec(batched ? [n, s] : [s], MaskType(r), InputLayout(r));

        c.Scale = r.Next(20) switch
        {
            < 10 => null,
            < 12 => 0.0,
            12 => dt != DType.Float64 ? 10.0 : r.Next(2) == 0 ? 1e30 : -1e30, // logits near ±1e30 (float64: see Mutations.Scale)
            13 => 1e-30,
            _ => Math.Round((r.NextDouble() * 6) - 3, 3),
        };

        int o = e;
        if (r.Next(2) == 0)
        {
            o = r.Next(12) == 0 ? 0 : r.Next(1, 5);
            c.Arrays["outProjWeights"] = new ArraySpec([o, e], dt, InputLayout(r));
            if (r.Next(2) == 0) c.Arrays["outProjBias"] = new ArraySpec([o], dt, InputLayout(r));
        }

        c.ReturnWeights = r.Next(2) == 0;
        c.Average = r.Next(2) == 0;
        c.Seed = r.Next(2) == 0 ? null : r.Next(int.MinValue, int.MaxValue);
        switch (r.Next(5))
        {
            case 0: // active
                c.Training = true;
                c.Dropout = r.Next(4) switch { 0 => 1.0, 1 => 0.5, _ => Math.Round(r.NextDouble() * 0.9, 3) };
                c.Seed = r.Next(int.MinValue, int.MaxValue);
                break;
            case 1: // given but inactive
                c.Dropout = Math.Round(r.NextDouble(), 3);
                break;
            default:
                c.Training = r.Next(2) == 0;
                break;
        }

        int[] outputShape = Layout3(batched, c.BatchFirst, n, l, o);
        switch (r.Next(10))
        {
            case 0 or 1 or 2:
                c.Arrays["out"] = new ArraySpec(outputShape, Floats[r.Next(3)], OutLayout(r));
                break;
            case 3:
            {
                string target = PickInput(r, c);
                if (c.Arrays[target].Shape.SequenceEqual(outputShape)) c.OutSameAs = target;
                break;
            }

            case 4:
                c.OutOverlaps = PickInput(r, c);
                c.Arrays["out"] = new ArraySpec(outputShape, c.Arrays[c.OutOverlaps].DType, Layout.Tensor);
                c.Arrays[c.OutOverlaps] = c.Arrays[c.OutOverlaps] with { Layout = Layout.Tensor };
                break;
        }

        if (r.Next(20) == 0)
        {
            string[] floating = c.Arrays.Where(a => a.Key != "out" && a.Value.DType != DType.Bool && a.Value.Count > 0).Select(a => a.Key).ToArray();
            if (floating.Length > 0)
            {
                double value = r.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
                c.Poison = (floating[r.Next(floating.Length)], value, r.NextDouble());
            }
        }

        c.Instance = (!batched || c.BatchFirst) && r.Next(4) == 0;
        return c;
    }

    /// <summary>
    /// Empty arrays with dimensions near and past the limits, so that the output, the weights, S′ or a
    /// projected buffer would hold more than an array can (or a long can count): the validator must say
    /// so before allocating anything.
    /// </summary>
    private static CallSpec HugeSpec(Random r)
    {
        int[] big = [1 << 10, 1 << 15, 1 << 16, 46341, 1 << 20, Array.MaxLength - 1, Array.MaxLength, int.MaxValue];
        int Big() => big[r.Next(big.Length)];
        DType dt = Floats[r.Next(3)];
        var c = new CallSpec { NumHeads = r.Next(1, 9), BatchFirst = true };
        c.Notes.Add("huge");
        switch (r.Next(5))
        {
            case 0: // output N·L·O: queries of width 0 (E = 0), a wide output projection
                c.Arrays["query"] = new ArraySpec([Big(), Big(), 0], dt);
                c.Arrays["outProjWeights"] = new ArraySpec([Big(), 0], dt);
                break;
            case 1: // S′ itself: a key length at the limit plus bias/zero tokens
                c.Arrays["query"] = new ArraySpec([r.Next(2), 0], dt);
                c.Arrays["key"] = new ArraySpec([Big(), 0], dt);
                c.Arrays["value"] = new ArraySpec(c.Arrays["key"].Shape, dt);
                c.AddZeroAttn = r.Next(2) == 0;
                if (r.Next(2) == 0)
                {
                    c.Arrays["biasK"] = new ArraySpec([0], dt);
                    c.Arrays["biasV"] = new ArraySpec([0], dt);
                }

                break;
            case 2: // weights N·(H)·L·S′
                c.Arrays["query"] = new ArraySpec([r.Next(1, 3), Big(), 0], dt);
                c.Arrays["key"] = new ArraySpec([c.Arrays["query"].Shape[0], Big(), 0], dt);
                c.Arrays["value"] = new ArraySpec(c.Arrays["key"].Shape, dt);
                c.ReturnWeights = true;
                c.Average = r.Next(2) == 0;
                break;
            case 3: // projected queries N·L·E with a wide packed projection of zero-width inputs
            {
                int e = Big() / 3;
                c.NumHeads = 1;
                c.Arrays["query"] = new ArraySpec([Big(), Big(), 0], dt);
                c.Arrays["inProjWeights"] = new ArraySpec([3 * e, 0], dt);
                break;
            }

            default: // projected keys N·S′·E with no queries at all
            {
                int e = Big() / 3;
                c.NumHeads = 1;
                c.Arrays["query"] = new ArraySpec([1, 0, 0], dt);
                c.Arrays["key"] = new ArraySpec([1, Big(), 0], dt);
                c.Arrays["value"] = new ArraySpec(c.Arrays["key"].Shape, dt);
                c.Arrays["inProjWeights"] = new ArraySpec([3 * e, 0], dt);
                break;
            }
        }

        return c;
    }

    internal static int SmallDim(Random r) => r.Next(12) == 0 ? 0 : r.Next(1, 6);

    internal static int[] Layout3(bool batched, bool batchFirst, int n, int tokens, int features) =>
        !batched ? [tokens, features] : batchFirst ? [n, tokens, features] : [tokens, n, features];

    internal static DType MaskType(Random r) => r.Next(2) == 0 ? DType.Bool : Floats[r.Next(3)];

    internal static DType AnyType(Random r) => AllTypes[r.Next(AllTypes.Length)];

    internal static Layout InputLayout(Random r) => r.Next(20) switch
    {
        < 9 => Layout.Dense,
        < 13 => Layout.Tensor,
        < 16 => Layout.Padded,
        < 19 => Layout.ColumnMajor,
        _ => Layout.Broadcast,
    };

    internal static Layout OutLayout(Random r) => r.Next(10) switch
    {
        < 5 => Layout.Dense,
        < 7 => Layout.Tensor,
        < 9 => Layout.Padded,
        _ => Layout.ColumnMajor,
    };

    private static string PickInput(Random r, CallSpec c)
    {
        string[] inputs = ["query", "key", "value"];
        string pick = inputs[r.Next(3)];
        return c.Arrays.ContainsKey(pick) ? pick : "query";
    }
}
