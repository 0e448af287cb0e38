using System.Numerics;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// A Linear layer's weight and bias packed for the GEMM once (per kernel variant, on first use) and reused by
/// every forward: the same bits as packing per call. Copies what it packs, so later writes into the arrays'
/// memory do not reach it.
/// </summary>
internal sealed class PreparedLinear(IvyArray weight, IvyArray? bias)
{
    private readonly VariantCache _byVariant = new();

    /// <summary>W (out, in) and b packed for <paramref name="variant"/> in compute type <typeparamref name="T"/>.</summary>
    public PackedWeights<T> For<T>(KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        _byVariant.Get(variant, this, static (source, v) =>
        {
            using var w = Operand<T>.Of(source._weight);
            using var b = Operand<T>.OfOptional(source._bias);
            return Gemm<T>.Pack(w.Span, source._weight.Shape[0], source._weight.Shape[1], b is null ? default : b.Span, v);
        });

    private readonly IvyArray _weight = weight;
    private readonly IvyArray? _bias = bias;
}
