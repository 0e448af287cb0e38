using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Kernels;

/// <summary>How q, k and v are produced in a random call.</summary>
public enum Projection
{
    /// <summary>No input projection: q, k, v are the inputs.</summary>
    None,

    /// <summary>Packed (3E, Q) weights, separate key/value inputs.</summary>
    Packed,

    /// <summary>Packed weights and self-attention (key = value = query): the engine's single 3E-column GEMM.</summary>
    PackedSelf,

    /// <summary>q/k/v_proj weights with different input widths.</summary>
    Separate,
}

public enum MaskKind
{
    None,
    Bool2D,
    Float3D,
    Bool3D,
}

public enum PaddingKind
{
    None,
    Bool,
    Float,
}

public enum WeightsKind
{
    None,
    Averaged,
    PerHead,
}

/// <summary>A random multi-head attention call, described by its shape and options; <see cref="Build"/> makes the arrays.</summary>
public sealed record CallShape
{
    public DType DType { get; init; } = DType.Float32;

    /// <summary>Batch size; 0 means unbatched input.</summary>
    public int N { get; init; } = 2;

    public int L { get; init; } = 5;
    public int S { get; init; } = 7;
    public int H { get; init; } = 2;
    public int D { get; init; } = 8;
    public bool BatchFirst { get; init; } = true;
    public Projection Projection { get; init; } = Projection.Packed;
    public bool OutProjection { get; init; } = true;
    public bool BiasTokens { get; init; }
    public bool ZeroToken { get; init; }
    public bool StaticKeys { get; init; }
    public MaskKind Mask { get; init; }
    public PaddingKind Padding { get; init; }
    public bool Causal { get; init; }

    /// <summary>Mask row 0 of the attention mask entirely (a fully masked row) and pad every key of sample 0.</summary>
    public bool FullyMasked { get; init; }

    public double Dropout { get; init; }
    public WeightsKind Weights { get; init; }
    public int Seed { get; init; } = 1;

    public int E => H * D;

    public override string ToString() =>
        $"{DType} N={N} L={L} S={S} H={H} d={D} {(BatchFirst ? "bf" : "sf")} {Projection}{(OutProjection ? "+out" : "")}"
        + $"{(BiasTokens ? " biasKV" : "")}{(ZeroToken ? " zero" : "")}{(StaticKeys ? " static" : "")} mask={Mask} pad={Padding}"
        + $"{(Causal ? " causal" : "")}{(FullyMasked ? " fully-masked" : "")}{(Dropout > 0 ? $" dropout={Dropout}" : "")} weights={Weights}";

    public MhaCall Build()
    {
        var random = new Random(Seed);
        int n = Math.Max(N, 1), e = E;
        int q = Projection is Projection.None ? e : e + 3;
        int k = Projection is Projection.Separate ? e + 1 : q;
        int v = Projection is Projection.Separate ? e + 2 : q;
        bool self = Projection is Projection.PackedSelf;
        int s = self ? L : S;
        IvyArray Input(int tokens, int width) =>
            Random(random, N == 0 ? [tokens, width] : BatchFirst ? [N, tokens, width] : [tokens, N, width]);

        IvyArray query = Input(L, q);
        var call = new MhaCall
        {
            Query = query,
            Key = self ? null : Input(s, k),
            Value = self ? null : Input(s, v),
            BatchFirst = BatchFirst,
            NumHeads = H,
            IsCausal = Causal,
            ReturnAttentionWeights = Weights != WeightsKind.None,
            AverageAttentionWeights = Weights != WeightsKind.PerHead,
            Dropout = Dropout,
            Training = Dropout > 0,
            Seed = Seed,
            AddZeroAttn = ZeroToken,
        };

        if (Projection is Projection.Packed or Projection.PackedSelf)
        {
            call = call with { InProjWeights = Random(random, [3 * e, q], 0.5), InProjBias = Random(random, [3 * e]) };
        }
        else if (Projection is Projection.Separate)
        {
            call = call with
            {
                QProjWeights = Random(random, [e, q], 0.5),
                KProjWeights = Random(random, [e, k], 0.5),
                VProjWeights = Random(random, [e, v], 0.5),
                InProjBias = Random(random, [3 * e]),
            };
        }

        if (OutProjection) call = call with { OutProjWeights = Random(random, [e + 1, e], 0.5), OutProjBias = Random(random, [e + 1]) };
        if (BiasTokens) call = call with { BiasK = Random(random, [e]), BiasV = Random(random, [e]) };
        if (StaticKeys) call = call with { StaticK = Random(random, [n * H, s, D]), StaticV = Random(random, [n * H, s, D]) };

        int sMask = s;
        call = Mask switch
        {
            MaskKind.Bool2D => call with { AttentionMask = BoolMask(random, L, sMask, 1, FullyMasked) },
            MaskKind.Bool3D => call with { AttentionMask = BoolMask(random, L, sMask, n * H, FullyMasked) },
            MaskKind.Float3D => call with { AttentionMask = FloatMask(random, [n * H, L, sMask], FullyMasked) },
            _ => call,
        };
        if (Padding != PaddingKind.None)
        {
            int[] shape = N == 0 ? [sMask] : [N, sMask];
            var flags = new bool[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < flags.Length; i++) flags[i] = random.NextDouble() < 0.25 || (FullyMasked && i < sMask);
            IvyArray padding = Padding == PaddingKind.Bool
                ? A.B(flags, shape)
                : A.F(DType, flags.Select(f => f ? double.NegativeInfinity : random.NextDouble() - 0.5).ToArray(), shape);
            call = call with { KeyPaddingMask = padding };
        }

        return call;
    }

    private IvyArray Random(Random random, int[] shape, double scale = 1.0)
    {
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = ((2 * random.NextDouble()) - 1) * scale;
        return A.F(DType, values, shape);
    }

    private static IvyArray BoolMask(Random random, int l, int s, int slices, bool fullRow)
    {
        var flags = new bool[slices * l * s];
        for (int i = 0; i < flags.Length; i++) flags[i] = random.NextDouble() < 0.3 || (fullRow && (i % (l * s)) < s);
        return slices == 1 ? A.B(flags, l, s) : A.B(flags, slices, l, s);
    }

    private IvyArray FloatMask(Random random, int[] shape, bool fullRow)
    {
        int l = shape[1], s = shape[2];
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (fullRow && (i % (l * s)) < s) || random.NextDouble() < 0.1 ? double.NegativeInfinity : (4 * random.NextDouble()) - 2;
        }

        return A.F(DType, values, shape);
    }
}

/// <summary>Runs calls on a pinned variant and thread count.</summary>
internal static class Pinned
{
    internal static MultiHeadAttentionResult Run(MhaCall call, KernelVariant variant, int? threads = null)
    {
        using (KernelSelector.Use(variant, threads)) return call.Invoke();
    }
}
