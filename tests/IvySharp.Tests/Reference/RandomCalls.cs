using System.Globalization;
using System.Text;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reference;

/// <summary>What <see cref="RandomCalls.Create"/> may generate; the defaults cover every argument.</summary>
public sealed record RandomCallOptions
{
    /// <summary>Allow <c>@out</c> (fresh of any float dtype, or aliased with query, key or value).</summary>
    public bool AllowOut { get; init; } = true;

    /// <summary>Allow active dropout (training with p &gt; 0, always with a seed).</summary>
    public bool AllowDropout { get; init; } = true;

    /// <summary>Allow self-attention (key and value null).</summary>
    public bool AllowSelfAttention { get; init; } = true;

    /// <summary>Allow staticK/staticV.</summary>
    public bool AllowStatic { get; init; } = true;

    /// <summary>At least this batch size; above 1 the call is always batched.</summary>
    public int MinBatch { get; init; } = 1;

    /// <summary>Largest batch size N.</summary>
    public int MaxBatch { get; init; } = 3;

    /// <summary>Largest query/key length L, S (and S_static).</summary>
    public int MaxTokens { get; init; } = 9;

    /// <summary>Largest number of heads H.</summary>
    public int MaxHeads { get; init; } = 4;

    /// <summary>Largest head width d.</summary>
    public int MaxHeadWidth { get; init; } = 5;
}

/// <summary>
/// Seeded random <b>valid</b> calls covering every argument and their combinations: batched or not,
/// both layouts, every projection route (none, packed, separate with key/value widths ≠ query's),
/// in/out biases, O ≠ E, masks of both kinds (bool, float of any float dtype) and both shapes, key
/// padding (bool/float), causal (with an ignored mask or without), bias tokens ((E,) and (1, 1, E)),
/// the zero token, static keys and/or values, scale null/0/custom, weights averaged or per head,
/// dropout with training on or off, and <c>@out</c> fresh, of another dtype, or aliased with an input.
/// Sizes are small and odd (N 1–3, L, S 1–9, H 1–4, d 1–5); bool masks are sometimes dense enough
/// that whole rows are masked out.
/// </summary>
/// <remarks>
/// The same seed gives the same call (System.Random's seeded sequence is stable), and the dtype only
/// changes the arrays' element type: the same seed in float32 and float64 is the same problem.
/// A call may write its result into its own query, key or value (<c>Out</c> aliased), so compute the
/// reference (and <see cref="Describe"/>) before invoking it, and do not reuse it afterwards.
/// </remarks>
public static class RandomCalls
{
    private static readonly DType[] FloatTypes = [DType.Float16, DType.Float32, DType.Float64];

    /// <summary>The call for <paramref name="seed"/>, its floating inputs of <paramref name="dtype"/>.</summary>
    public static MhaCall Create(int seed, DType dtype, RandomCallOptions? options = null)
    {
        options ??= new RandomCallOptions();
        var r = new Random(seed);
        bool batched = options.MinBatch > 1 || r.Next(4) != 0;
        bool batchFirst = r.Next(2) == 0;
        int n = batched ? r.Next(options.MinBatch, options.MaxBatch + 1) : 1;
        int l = r.Next(1, options.MaxTokens + 1);
        int sInput = r.Next(1, options.MaxTokens + 1);
        int h = r.Next(1, options.MaxHeads + 1);
        int d = r.Next(1, options.MaxHeadWidth + 1);
        int e = h * d;
        double amplitude = r.Next(4) == 0 ? 3 : 1; // sometimes peaky softmax rows

        // §2: 0 none (Q = K = V = E), 1 packed (K = V = Q), 2 separate (any widths).
        int route = r.Next(3);
        int qf = route == 0 ? e : r.Next(1, 7);
        int kf = route == 2 ? r.Next(1, 7) : qf;
        int vf = route == 2 ? r.Next(1, 7) : qf;
        bool self = options.AllowSelfAttention && kf == qf && vf == qf && r.Next(4) == 0;
        if (self) sInput = l;

        IvyArray query = Uniform(r, dtype, amplitude, Layout(batched, batchFirst, n, l, qf));
        IvyArray? key = self ? null : Uniform(r, dtype, amplitude, Layout(batched, batchFirst, n, sInput, kf));
        IvyArray? value = self ? null : Uniform(r, dtype, 1, Layout(batched, batchFirst, n, sInput, vf));

        IvyArray? inProj = null, qProj = null, kProj = null, vProj = null, inBias = null;
        if (route == 1) inProj = Uniform(r, dtype, 1, 3 * e, qf);
        if (route == 2)
        {
            qProj = Uniform(r, dtype, 1, e, qf);
            kProj = Uniform(r, dtype, 1, e, kf);
            vProj = Uniform(r, dtype, 1, e, vf);
        }

        if (route != 0 && r.Next(2) == 0) inBias = Uniform(r, dtype, 1, 3 * e);

        // §4: with only one static array, S_static must equal the projected length S.
        bool withStaticK = options.AllowStatic && r.Next(5) == 0;
        bool withStaticV = options.AllowStatic && r.Next(5) == 0;
        int sStatic = withStaticK && withStaticV ? r.Next(1, options.MaxTokens + 1) : sInput;
        IvyArray? staticK = withStaticK ? Uniform(r, dtype, amplitude, n * h, sStatic, d) : null;
        IvyArray? staticV = withStaticV ? Uniform(r, dtype, 1, n * h, sStatic, d) : null;
        int s = withStaticK ? sStatic : sInput;

        IvyArray? biasK = null, biasV = null;
        if (!withStaticK && !withStaticV && r.Next(5) == 0)
        {
            int[] shape = r.Next(2) == 0 ? [e] : [1, 1, e];
            biasK = Uniform(r, dtype, 1, shape);
            biasV = Uniform(r, dtype, 1, shape);
        }

        bool addZeroAttn = r.Next(5) == 0;
        bool isCausal = r.Next(5) == 0;

        // §5 masks: (L, S) or (N·H, L, S); bool with a random density, or float of any float dtype.
        IvyArray? attentionMask = r.Next(5) < 2
            ? Mask(r, r.Next(2) == 0 ? [l, s] : [n * h, l, s])
            : null;
        IvyArray? keyPaddingMask = r.Next(10) < 3 ? Mask(r, batched ? [n, s] : [s]) : null;

        int scaleKind = r.Next(10);
        double? scale = scaleKind < 5 ? null : scaleKind < 7 ? 0.0 : Math.Round((r.NextDouble() * 6) - 3, 3);

        IvyArray? outProj = null, outBias = null;
        int o = e;
        if (r.Next(2) == 0)
        {
            o = r.Next(1, 7);
            outProj = Uniform(r, dtype, 1, o, e);
            if (r.Next(2) == 0) outBias = Uniform(r, dtype, 1, o);
        }

        bool returnWeights = r.Next(2) == 0;
        bool average = r.Next(2) == 0;

        // §6 dropout: active (training, p > 0, always seeded so the reference can follow), or given but
        // inactive (training false), or absent.
        double dropout = 0;
        bool training = r.Next(2) == 0;
        int? seedArgument = r.Next(2) == 0 ? null : r.Next(int.MinValue, int.MaxValue);
        int dropoutKind = r.Next(8);
        if (dropoutKind < 2 && options.AllowDropout)
        {
            dropout = r.Next(6) switch { 0 => 1.0, 1 => 0.5, _ => Math.Round(r.NextDouble() * 0.9, 3) };
            training = true;
            seedArgument = r.Next(int.MinValue, int.MaxValue);
        }
        else if (dropoutKind < 4)
        {
            dropout = Math.Round(r.NextDouble(), 3);
            training = false;
        }

        var call = new MhaCall
        {
            Query = query,
            Key = key,
            Value = value,
            BatchFirst = batchFirst,
            NumHeads = h,
            Scale = scale,
            AttentionMask = attentionMask,
            InProjWeights = inProj,
            QProjWeights = qProj,
            KProjWeights = kProj,
            VProjWeights = vProj,
            OutProjWeights = outProj,
            InProjBias = inBias,
            OutProjBias = outBias,
            IsCausal = isCausal,
            KeyPaddingMask = keyPaddingMask,
            BiasK = biasK,
            BiasV = biasV,
            StaticK = staticK,
            StaticV = staticV,
            AddZeroAttn = addZeroAttn,
            ReturnAttentionWeights = returnWeights,
            AverageAttentionWeights = average,
            Dropout = dropout,
            Training = training,
            Seed = seedArgument,
        };

        // §9 @out: fresh of the query's dtype or another float dtype, or the query/key/value itself when its shape is the output's.
        if (!options.AllowOut) return call;
        int[] outputShape = !batched ? [l, o] : batchFirst ? [n, l, o] : [l, n, o];
        int outKind = r.Next(10);
        IvyArray? aliasCandidate = outKind switch { 3 or 4 => query, 5 or 6 => key, 7 => value, _ => null };
        IvyArray? output = outKind switch
        {
            0 or 1 => IvyArray.Zeros(dtype, outputShape),
            2 => Uniform(r, FloatTypes[r.Next(3)], 1, outputShape), // pre-filled: every element must be overwritten
            _ when aliasCandidate is not null && aliasCandidate.Shape.SequenceEqual(outputShape) => aliasCandidate,
            _ => null,
        };
        return call with { Out = output };
    }

    /// <summary>
    /// The call's arguments in full (shapes, dtypes, scalars and every array's values), for failure messages.
    /// Take it before invoking: an aliased <c>Out</c> overwrites an input.
    /// </summary>
    public static string Describe(MhaCall call)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"batchFirst={call.BatchFirst} numHeads={call.NumHeads} scale={(call.Scale?.ToString("R", CultureInfo.InvariantCulture) ?? "null")} ");
        text.Append(CultureInfo.InvariantCulture,
            $"isCausal={call.IsCausal} addZeroAttn={call.AddZeroAttn} returnAttentionWeights={call.ReturnAttentionWeights} averageAttentionWeights={call.AverageAttentionWeights} ");
        text.Append(CultureInfo.InvariantCulture,
            $"dropout={call.Dropout.ToString("R", CultureInfo.InvariantCulture)} training={call.Training} seed={(call.Seed?.ToString(CultureInfo.InvariantCulture) ?? "null")}");
        if (call.Out is not null)
        {
            string alias = ReferenceEquals(call.Out, call.Query) ? " (aliases query)"
                : ReferenceEquals(call.Out, call.Key) ? " (aliases key)"
                : ReferenceEquals(call.Out, call.Value) ? " (aliases value)" : "";
            text.Append(CultureInfo.InvariantCulture, $" out={ShapeOf(call.Out)}{alias}");
        }

        text.AppendLine();
        foreach (var (name, array) in Arrays(call))
        {
            if (name != "out") text.Append(CultureInfo.InvariantCulture, $"  {name} = {array}").AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Every array argument of the call that is set, with its C# parameter name.</summary>
    public static IEnumerable<(string Name, IvyArray Array)> Arrays(MhaCall call)
    {
        var all = new (string, IvyArray?)[]
        {
            ("query", call.Query), ("key", call.Key), ("value", call.Value), ("attentionMask", call.AttentionMask),
            ("inProjWeights", call.InProjWeights), ("qProjWeights", call.QProjWeights), ("kProjWeights", call.KProjWeights),
            ("vProjWeights", call.VProjWeights), ("outProjWeights", call.OutProjWeights), ("inProjBias", call.InProjBias),
            ("outProjBias", call.OutProjBias), ("keyPaddingMask", call.KeyPaddingMask), ("biasK", call.BiasK),
            ("biasV", call.BiasV), ("staticK", call.StaticK), ("staticV", call.StaticV), ("out", call.Out),
        };
        foreach (var (name, array) in all)
        {
            if (array is not null) yield return (name, array);
        }
    }

    private static string ShapeOf(IvyArray a) => $"({string.Join(", ", a.Shape)}) {a.DType}";

    private static int[] Layout(bool batched, bool batchFirst, int n, int tokens, int features) =>
        !batched ? [tokens, features] : batchFirst ? [n, tokens, features] : [tokens, n, features];

    private static IvyArray Uniform(Random r, DType dtype, double amplitude, params int[] shape)
    {
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = amplitude * ((2 * r.NextDouble()) - 1);
        return A.F(dtype, values, shape);
    }

    // Bool masks use a random density (0.9 masks most rows entirely when S is small); float masks of a
    // random float dtype hold values in [-2, 2] and sometimes −∞.
    private static IvyArray Mask(Random r, int[] shape)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        if (r.Next(2) == 0)
        {
            double density = r.Next(3) switch { 0 => 0.2, 1 => 0.5, _ => 0.9 };
            var flags = new bool[size];
            for (int i = 0; i < size; i++) flags[i] = r.NextDouble() < density;
            return A.B(flags, shape);
        }

        double infinityRate = r.Next(2) == 0 ? 0 : 0.3;
        var values = new double[size];
        for (int i = 0; i < size; i++)
        {
            values[i] = r.NextDouble() < infinityRate ? double.NegativeInfinity : (4 * r.NextDouble()) - 2;
        }

        return A.F(FloatTypes[r.Next(3)], values, shape);
    }
}
