using System.Numerics;
using IvySharp.Kernels.Gemm;
using IvySharp.Planning;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Runs a validated <see cref="LinearPlan"/>: y = x·Wᵀ + b as one GEMM over every leading index of x
/// (<see cref="Gemm{T}.MultiplyTransposed(ReadOnlySpan{T}, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, Span{T}, int, KernelVariant)"/>),
/// in float64 for float64 and in float32 (float32 accumulation) for float32 and float16, a float16 result
/// rounded once. The GEMM sums each output in one fixed order, so every variant and thread count gives the
/// same bits.
/// </summary>
internal static class LinearKernel
{
    /// <param name="plan">The validated call.</param>
    /// <param name="variant">Picks the GEMM kernel.</param>
    /// <param name="prepared">A layer's weight and bias (the plan's own) packed beforehand, or null: packed per call.</param>
    public static IvyArray Run(LinearPlan plan, KernelVariant variant, PreparedLinear? prepared = null) => plan.DType == DType.Float64
        ? Run<double>(plan, variant, prepared)
        : Run<float>(plan, variant, prepared);

    private static IvyArray Run<T>(LinearPlan plan, KernelVariant variant, PreparedLinear? prepared)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = plan.Rows * plan.OutFeatures;

        // The GEMM's destination must not overlap x or the weights, even exactly: no in-place input.
        using var output = OpOutput<T>.Create(plan.DType, plan.Out, plan.OutputShape, size, [plan.X, plan.Weight, plan.Bias], inPlace: null);
        if (size == 0) return output.Complete();

        using var x = Operand<T>.Of(plan.X);
        Span<T> destination = output.Span;
        if (prepared is not null && plan.InFeatures > 0)
        {
            Gemm<T>.Run(prepared.For<T>(variant), x.Span, plan.Rows, plan.InFeatures, destination, plan.OutFeatures);
            return output.Complete();
        }

        using var weight = Operand<T>.Of(plan.Weight);
        using var bias = Operand<T>.OfOptional(plan.Bias);
        if (plan.InFeatures == 0)
        {
            // An empty sum: every row is the bias (or zeros). Written here rather than asking the GEMM to pack
            // zero-depth panels.
            for (int r = 0; r < plan.Rows; r++)
            {
                Span<T> row = destination.Slice(r * plan.OutFeatures, plan.OutFeatures);
                if (bias is null) row.Clear(); else bias.Span.CopyTo(row);
            }

            return output.Complete();
        }

        Gemm<T>.MultiplyTransposed(
            x.Span, plan.Rows, plan.InFeatures, plan.InFeatures,
            weight.Span, plan.OutFeatures, bias is null ? default : bias.Span,
            destination, plan.OutFeatures, variant);
        return output.Complete();
    }
}
