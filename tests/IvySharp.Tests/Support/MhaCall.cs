using System.Numerics.Tensors;

namespace IvySharp.Tests.Support;

/// <summary>How a test reaches the library: the static facade, the instance method, or native tensors converted implicitly.</summary>
public enum Route
{
    Static,
    Instance,
    Tensor,
}

/// <summary>Every argument of <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/> as one value, so tests can build a call once and run it through any <see cref="Route"/>.</summary>
public sealed record MhaCall
{
    public required IvyArray Query { get; init; }
    public IvyArray? Key { get; init; }
    public IvyArray? Value { get; init; }
    public bool BatchFirst { get; init; } = true;
    public int NumHeads { get; init; } = 8;
    public double? Scale { get; init; }
    public IvyArray? AttentionMask { get; init; }
    public IvyArray? InProjWeights { get; init; }
    public IvyArray? QProjWeights { get; init; }
    public IvyArray? KProjWeights { get; init; }
    public IvyArray? VProjWeights { get; init; }
    public IvyArray? OutProjWeights { get; init; }
    public IvyArray? InProjBias { get; init; }
    public IvyArray? OutProjBias { get; init; }
    public bool IsCausal { get; init; }
    public IvyArray? KeyPaddingMask { get; init; }
    public IvyArray? BiasK { get; init; }
    public IvyArray? BiasV { get; init; }
    public IvyArray? StaticK { get; init; }
    public IvyArray? StaticV { get; init; }
    public bool AddZeroAttn { get; init; }
    public bool ReturnAttentionWeights { get; init; }
    public bool AverageAttentionWeights { get; init; } = true;
    public double Dropout { get; init; }
    public bool Training { get; init; }
    public IvyArray? Out { get; init; }
    public int? Seed { get; init; }

    /// <summary>Runs the call. <see cref="Route.Instance"/> needs <see cref="BatchFirst"/> or unbatched input (the instance method is batch-first).</summary>
    public MultiHeadAttentionResult Invoke(Route route = Route.Static)
    {
        switch (route)
        {
            case Route.Static:
                return Ivy.MultiHeadAttention(
                    Query, Key, Value, BatchFirst, NumHeads, Scale, AttentionMask, InProjWeights, QProjWeights,
                    KProjWeights, VProjWeights, OutProjWeights, InProjBias, OutProjBias, IsCausal, KeyPaddingMask,
                    BiasK, BiasV, StaticK, StaticV, AddZeroAttn, ReturnAttentionWeights, AverageAttentionWeights,
                    Dropout, Training, Out, Seed);
            case Route.Instance:
                if (!BatchFirst && Query.Rank == 3)
                {
                    throw new InvalidOperationException("The instance method is batch-first; this call is not.");
                }

                return Query.MultiHeadAttention(
                    Key, Value, NumHeads, Scale, AttentionMask, InProjWeights, QProjWeights,
                    KProjWeights, VProjWeights, OutProjWeights, InProjBias, OutProjBias, IsCausal, KeyPaddingMask,
                    BiasK, BiasV, StaticK, StaticV, AddZeroAttn, ReturnAttentionWeights, AverageAttentionWeights,
                    Dropout, Training, Out, Seed);
            default:
                return ThroughTensors().Invoke(Route.Static);
        }
    }

    /// <summary>The same call with every array re-wrapped as a <see cref="Tensor{T}"/> and converted back implicitly.</summary>
    public MhaCall ThroughTensors() => this with
    {
        Query = AsTensor(Query)!,
        Key = AsTensor(Key),
        Value = AsTensor(Value),
        AttentionMask = AsTensor(AttentionMask),
        InProjWeights = AsTensor(InProjWeights),
        QProjWeights = AsTensor(QProjWeights),
        KProjWeights = AsTensor(KProjWeights),
        VProjWeights = AsTensor(VProjWeights),
        OutProjWeights = AsTensor(OutProjWeights),
        InProjBias = AsTensor(InProjBias),
        OutProjBias = AsTensor(OutProjBias),
        KeyPaddingMask = AsTensor(KeyPaddingMask),
        BiasK = AsTensor(BiasK),
        BiasV = AsTensor(BiasV),
        StaticK = AsTensor(StaticK),
        StaticV = AsTensor(StaticV),
        Out = AsTensor(Out),
    };

    // Each branch goes through the implicit Tensor<T> → IvyArray conversion the users rely on.
    private static IvyArray? AsTensor(IvyArray? a)
    {
        if (a is null) return null;
        nint[] lengths = a.Shape.Select(x => (nint)x).ToArray();
        return a.DType switch
        {
            DType.Float32 => Tensor.Create(a.ToArray<float>(), lengths),
            DType.Float64 => Tensor.Create(a.ToArray<double>(), lengths),
            DType.Float16 => Tensor.Create(a.ToArray<Half>(), lengths),
            _ => Tensor.Create(a.ToArray<bool>(), lengths),
        };
    }
}
