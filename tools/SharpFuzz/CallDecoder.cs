namespace IvySharp.SharpFuzz;

/// <summary>
/// Turns afl's bytes into one call. A fixed header (21 bytes) chooses the structure, then one byte per
/// element gives the values, so afl's byte flips in the header change the call's shape and in the tail its
/// numbers. Shapes are the valid ones for the chosen structure unless the header's fault byte asks for one
/// wrong dimension, dtype or rank, so most inputs reach the kernels and some exercise each validation path.
/// </summary>
internal static class CallDecoder
{
    private static readonly DType[] s_floating = [DType.Float32, DType.Float64, DType.Float16];
    private static readonly DType[] s_maskTypes = [DType.Bool, DType.Float16, DType.Float32, DType.Float64];

    public static FuzzCall Decode(byte[] data)
    {
        var src = new ByteSource(data);
        var call = new FuzzCall();
        DType dtype = s_floating[src.Pick(3)];
        byte flags = src.Next(), options = src.Next(), masks = src.Next();
        bool batched = src.Bit(flags, 0), cross = src.Bit(flags, 7);
        call.BatchFirst = !src.Bit(flags, 1);
        call.IsCausal = src.Bit(flags, 2);
        call.Training = src.Bit(flags, 3);
        call.ReturnWeights = src.Bit(flags, 4);
        call.Average = !src.Bit(flags, 5);
        call.AddZeroAttn = src.Bit(flags, 6);

        int n = src.Pick(7), l = src.Pick(7), s = src.Pick(7), e = src.Pick(7);
        int qWidth = src.Pick(7), kWidth = src.Pick(7), vWidth = src.Pick(7), o = src.Pick(7), sStatic = src.Pick(7);
        call.NumHeads = NumHeads(src.Next(), e);
        call.Scale = Scale(src);
        call.Dropout = Dropout(src.Next());
        call.Seed = src.Next();
        byte outByte = src.Next(), fault = src.Next(), faultTarget = src.Next(), staticKind = src.Next();

        int projection = options & 3;
        if (projection == 0) qWidth = kWidth = vWidth = e;
        if (projection == 1) kWidth = vWidth = qWidth;
        if (!cross)
        {
            kWidth = vWidth = qWidth;
            s = l;
        }

        int[] Layout(int rows, int width) => !batched ? [rows, width] : call.BatchFirst ? [n, rows, width] : [rows, n, width];
        void Add(string name, DType type, params int[] shape) => call.Arrays.Add(new ArgSpec(name, type, shape));

        Add("query", dtype, Layout(l, qWidth));
        if (cross)
        {
            // Bit 7 of options drops the value: exactly one of key/value given is an error.
            Add("key", dtype, Layout(s, kWidth));
            if (!src.Bit(options, 7)) Add("value", dtype, Layout(s, vWidth));
        }

        switch (projection)
        {
            case 1: Add("inProjWeights", dtype, 3 * e, qWidth); break;
            case 2 or 3:
                Add("qProjWeights", dtype, e, qWidth);
                Add("kProjWeights", dtype, e, kWidth);
                if (projection == 2) Add("vProjWeights", dtype, e, vWidth); // 3: one missing, an error
                break;
        }

        if (src.Bit(options, 2)) Add("inProjBias", dtype, 3 * e);
        if (src.Bit(options, 3)) Add("outProjWeights", dtype, o, e);
        if (src.Bit(options, 4)) Add("outProjBias", dtype, src.Bit(options, 3) ? o : e);
        if (src.Bit(options, 5))
        {
            int[] biasShape = src.Bit(masks, 7) ? [1, 1, e] : [e];
            Add("biasK", dtype, biasShape);
            if (!src.Bit(masks, 6)) Add("biasV", dtype, biasShape);
        }

        // Hostile head counts (0, negative, huge) must not make hostile shapes: those shapes use one head.
        int h = call.NumHeads is >= 1 and <= 6 ? call.NumHeads : 1;
        int d = e % h == 0 ? e / h : 1;
        int batchHeads = (batched ? n : 1) * h;
        int keys = s;
        if (src.Bit(options, 6))
        {
            int kind = staticKind % 3;
            if (kind != 2) Add("staticK", dtype, batchHeads, sStatic, d);
            if (kind != 1) Add("staticV", dtype, batchHeads, sStatic, d);
            keys = sStatic;
        }

        DType maskType = s_maskTypes[(masks >> 2) & 3];
        switch (masks & 3)
        {
            case 1: Add("attentionMask", maskType, l, keys); break;
            case 2: Add("attentionMask", maskType, batchHeads, l, keys); break;
            case 3: Add("attentionMask", maskType, keys); break; // wrong rank
        }

        if (((masks >> 4) & 3) != 0)
        {
            DType paddingType = ((masks >> 4) & 3) switch { 1 => DType.Bool, 2 => maskType, _ => DType.Float32 };
            if (batched) Add("keyPaddingMask", paddingType, n, keys);
            else Add("keyPaddingMask", paddingType, keys);
        }

        int outWidth = src.Bit(options, 3) ? o : e;
        call.OutMode = (outByte % 8) switch
        {
            3 or 4 => OutMode.Fresh,
            5 => OutMode.AliasQuery,
            6 => cross ? OutMode.AliasKey : OutMode.AliasQuery,
            7 => OutMode.SameMemoryAsQuery,
            _ => OutMode.None,
        };
        if (call.OutMode == OutMode.Fresh)
        {
            DType outType = outByte % 8 == 3 ? dtype : s_floating[(Array.IndexOf(s_floating, dtype) + 1 + (outByte >> 7)) % 3];
            call.Out = new ArgSpec("@out", outType, Layout(l, outWidth));
        }

        if (fault < 48) Break(call, fault % 4, faultTarget);
        foreach (ArgSpec a in call.Arrays) a.Values = ReadValues(src, a);
        if (call.Out is not null) call.Out.Values = ReadValues(src, call.Out);
        (call.LogitBound, call.DotBound, call.AllFinite) = LogitBound(call, d);
        call.OutputTerms = OutputTermBound(call);
        call.MaxFinite = call.Arrays.SelectMany(a => a.Values).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        return call;
    }

    private static int NumHeads(byte b, int e)
    {
        // Mostly a divisor of E (every h in 1..6 divides E = 0); every eighth byte a hostile count.
        if (b % 8 == 7) return (b >> 3) switch { 0 => 0, 1 => -1, 2 => int.MinValue, 3 => int.MaxValue, 4 => e + 1, _ => 7 };
        int[] divisors = Enumerable.Range(1, 6).Where(h => e % h == 0).ToArray();
        return divisors[b % divisors.Length];
    }

    private static double? Scale(ByteSource src)
    {
        byte b = src.Next();
        if (b < 128) return null;
        return (b % 10) switch
        {
            0 => 0, 1 => double.NaN, 2 => double.PositiveInfinity, 3 => double.NegativeInfinity, 4 => 1e300,
            5 => -1e300, 6 => double.MaxValue, 7 => double.Epsilon, 8 => -0.0, _ => src.Value(),
        };
    }

    private static double Dropout(byte b) => b < 192 ? 0 : (b % 10) switch
    {
        0 => 1, 1 => 0.5, 2 => 0.25, 3 => double.NaN, 4 => -0.1, 5 => 1.5, 6 => double.PositiveInfinity, 7 => -0.0,
        8 => 0.999, _ => double.Epsilon,
    };

    /// <summary>One wrong dimension, dtype or rank in one argument (the validator's paths).</summary>
    private static void Break(FuzzCall call, int kind, byte target)
    {
        var all = call.Out is null ? call.Arrays : [.. call.Arrays, call.Out];
        int index = target % all.Count;
        ArgSpec a = all[index];
        int axis = a.Shape.Length == 0 ? 0 : (target / all.Count) % a.Shape.Length;
        ArgSpec broken = kind switch
        {
            0 when a.Shape.Length > 0 => a with { Shape = a.Shape.Select((v, k) => k == axis ? v + 1 : v).ToArray() },
            1 => a with { DType = a.DType == DType.Float32 ? DType.Float64 : a.DType == DType.Bool ? DType.Float16 : DType.Float32 },
            2 => a with { Shape = [1, .. a.Shape] },
            _ when a.Shape.Length > 0 => a with { Shape = a.Shape.Select((v, k) => k == axis ? 0 : v).ToArray() },
            _ => a,
        };
        if (index < call.Arrays.Count) call.Arrays[index] = broken;
        else call.Out = broken;
    }

    private static double[] ReadValues(ByteSource src, ArgSpec a)
    {
        var values = new double[a.Count];
        for (int i = 0; i < values.Length; i++)
        {
            // Rounded to the dtype here, so the finiteness and bound checks see what the library will (1e30 is ∞ in float16).
            values[i] = a.DType switch
            {
                DType.Bool => src.Next() & 1,
                DType.Float16 => (double)(Half)src.Value(),
                DType.Float32 => (float)src.Value(),
                _ => src.Value(),
            };
        }

        return values;
    }

    /// <summary>
    /// A bound on the terms an output element sums (weights ≤ 1 times the projected values, then the output
    /// projection), at least 1: when they cancel, rounding is relative to them, not to the small result.
    /// </summary>
    private static double OutputTermBound(FuzzCall call)
    {
        static double Max(ArgSpec? a) => a is null ? 0 : a.Values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        static int Width(ArgSpec a) => a.Shape.Length == 0 ? 0 : a.Shape[^1];

        ArgSpec value = call["value"] ?? call["key"] ?? call["query"]!;
        double v = Max(value), bias = Max(call["inProjBias"]);
        if (call["inProjWeights"] is { } packed) v = Width(value) * v * Max(packed) + bias;
        else if (call["vProjWeights"] is { } wv) v = Width(value) * v * Max(wv) + bias;
        if (call["staticV"] is { } staticV) v = Max(staticV);
        v = Math.Max(v, Max(call["biasV"]));
        if (call["outProjWeights"] is { } wo) v = Width(wo) * v * Max(wo) + Max(call["outProjBias"]);
        return Math.Max(1, v);
    }

    /// <summary>
    /// An upper bound on |scale · q·k + float masks| from the finite input values: above ~64 a float32
    /// softmax's rounding (u·|logit|) alone reaches the tolerance, so such calls are not compared.
    /// </summary>
    private static (double Bound, double Dot, bool AllFinite) LogitBound(FuzzCall call, int d)
    {
        static double Max(ArgSpec? a) => a is null ? 0 : a.Values.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        static double Projected(double x, int width, double w, double b) => width * x * w + b;

        ArgSpec query = call["query"]!;
        ArgSpec key = call["key"] ?? query;
        int width = query.Shape.Length == 0 ? 0 : query.Shape[^1];
        int keyWidth = key.Shape.Length == 0 ? 0 : key.Shape[^1];
        double q = Max(query), k = Max(key), bias = Max(call["inProjBias"]);
        if (call["inProjWeights"] is { } packed)
        {
            q = Projected(q, width, Max(packed), bias);
            k = Projected(k, width, Max(packed), bias);
        }
        else if (call["qProjWeights"] is { } wq)
        {
            q = Projected(q, width, Max(wq), bias);
            k = Projected(k, keyWidth, Max(call["kProjWeights"]), bias);
        }

        if (call["staticK"] is { } staticK) k = Max(staticK);
        k = Math.Max(k, Max(call["biasK"]));
        double scale = call.Scale is { } s && double.IsFinite(s) ? Math.Abs(s) : 1 / Math.Sqrt(Math.Max(d, 1));
        double masks = (call["attentionMask"]?.DType is DType.Bool ? 0 : Max(call["attentionMask"]))
            + (call["keyPaddingMask"]?.DType is DType.Bool ? 0 : Max(call["keyPaddingMask"]));
        double dot = Math.Max(d, 1) * q * k;
        double bound = scale * dot + masks;

        bool finite = call.Arrays.All(a => a.DType == DType.Bool || a.Values.All(v =>
            double.IsFinite(v) || (a.Name.EndsWith("Mask", StringComparison.Ordinal) && v == double.NegativeInfinity)));
        return (double.IsFinite(bound) ? bound : double.PositiveInfinity, dot, finite);
    }
}
