using System.Numerics;
using IvySharp.Kernels.Gemm;
using IvySharp.Planning;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// A layer's projection weights prepared for the GEMM once and reused by every call: per kernel variant and
/// compute type, the packed in-projection (one (3E, Q) matrix or the three q/k/v ones, bias fused) and the packed
/// output projection (<see cref="PreparedProjections{T}"/>). Made from the arrays when the layer is built or its
/// variables are replaced; it copies what it packs, so later writes into those arrays' memory do not reach it.
/// Safe to share between threads: each variant's projections are made once (the first caller's copy wins).
/// </summary>
internal sealed class PreparedWeights
{
    private readonly VariantCache _byVariant = new();

    /// <param name="route">How the layer projects its inputs (packed or separate).</param>
    /// <param name="inProjWeights">(3E, Q) when packed.</param>
    /// <param name="qProjWeights">(E, Q) when separate.</param>
    /// <param name="kProjWeights">(E, K) when separate.</param>
    /// <param name="vProjWeights">(E, V) when separate.</param>
    /// <param name="inProjBias">(3E,) or null.</param>
    /// <param name="outProjWeights">(O, E).</param>
    /// <param name="outProjBias">(O,) or null.</param>
    public PreparedWeights(
        ProjectionRoute route, IvyArray? inProjWeights, IvyArray? qProjWeights, IvyArray? kProjWeights, IvyArray? vProjWeights,
        IvyArray? inProjBias, IvyArray? outProjWeights, IvyArray? outProjBias)
    {
        Route = route;
        InProjWeights = inProjWeights;
        Parts = [qProjWeights, kProjWeights, vProjWeights];
        InProjBias = inProjBias;
        OutProjWeights = outProjWeights;
        OutProjBias = outProjBias;
    }

    public ProjectionRoute Route { get; }

    internal IvyArray? InProjWeights { get; }

    /// <summary>The separate q, k and v weights (nulls when packed).</summary>
    internal IvyArray?[] Parts { get; }

    internal IvyArray? InProjBias { get; }

    internal IvyArray? OutProjWeights { get; }

    internal IvyArray? OutProjBias { get; }

    /// <summary>The projections packed for <paramref name="variant"/> in compute type <typeparamref name="T"/> (made on first use, then kept).</summary>
    public PreparedProjections<T> For<T>(KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        _byVariant.Get(variant, this, static (source, v) => new PreparedProjections<T>(source, v));
}

/// <summary>The packed projections of a <see cref="PreparedWeights"/> for one variant and compute type.</summary>
internal sealed class PreparedProjections<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PreparedWeights _source;
    private readonly PackedWeights<T>?[] _parts = new PackedWeights<T>?[3];

    public PreparedProjections(PreparedWeights source, KernelVariant variant)
    {
        _source = source;
        Variant = variant;
        if (source.Route == ProjectionRoute.Packed)
        {
            // The common case, self-attention, runs one GEMM of all 3E columns; the per-part slices a cross call
            // needs are packed on its first use.
            using var w = Operand<T>.Of(source.InProjWeights!);
            using var bias = Operand<T>.OfOptional(source.InProjBias);
            int rows = source.InProjWeights!.Shape[0], depth = source.InProjWeights.Shape[1];
            InProjection = Gemm<T>.Pack(w.Span, rows, depth, bias is null ? default : bias.Span, variant);
        }
        else if (source.Route == ProjectionRoute.Separate)
        {
            for (int part = 0; part < 3; part++) _parts[part] = PackPart(part);
        }

        if (source.OutProjWeights is { } outWeights)
        {
            using var w = Operand<T>.Of(outWeights);
            using var bias = Operand<T>.OfOptional(source.OutProjBias);
            OutProjection = Gemm<T>.Pack(w.Span, outWeights.Shape[0], outWeights.Shape[1], bias is null ? default : bias.Span, variant);
        }
    }

    /// <summary>The variant the panels were packed for; a call on another variant packs per call instead.</summary>
    public KernelVariant Variant { get; }

    /// <summary>The whole packed (3E, Q) in-projection with its bias (packed route only).</summary>
    public PackedWeights<T>? InProjection { get; }

    /// <summary>The output projection (O, E) with its bias, or null when the layer has none.</summary>
    public PackedWeights<T>? OutProjection { get; }

    /// <summary>Projection <paramref name="part"/> (0 q, 1 k, 2 v): E columns with their bias slice.</summary>
    public PackedWeights<T> Part(int part)
    {
        if (Volatile.Read(ref _parts[part]) is { } ready) return ready;
        Interlocked.CompareExchange(ref _parts[part], PackPart(part), null);
        return _parts[part]!;
    }

    private PackedWeights<T> PackPart(int part)
    {
        PreparedWeights source = _source;
        bool packed = source.Route == ProjectionRoute.Packed;
        IvyArray weights = packed ? source.InProjWeights! : source.Parts[part]!;
        int e = packed ? weights.Shape[0] / 3 : weights.Shape[0], depth = weights.Shape[1];
        using var w = Operand<T>.Of(weights);
        using var bias = Operand<T>.OfOptional(source.InProjBias);
        ReadOnlySpan<T> rows = packed ? w.Span.Slice(part * e * depth, e * depth) : w.Span;
        return Gemm<T>.Pack(rows, e, depth, bias is null ? default : bias.Span.Slice(part * e, e), Variant);
    }
}
