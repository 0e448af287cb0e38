using System.Buffers;
using System.Numerics;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// Runs a validated <see cref="AttentionPlan"/>: picks the compute type (double for float64, float for
/// float32 and float16) and the path: <see cref="KernelVariant.Simple"/> runs the plain path below, every
/// other variant the tiled engine (<see cref="Flash.FlashEngine{T}"/>).
/// </summary>
internal static class AttentionEngine
{
    public static MultiHeadAttentionResult Run(AttentionPlan plan) => (plan.Variant, plan.DType) switch
    {
        (KernelVariant.Simple, DType.Float64) => RunSimple<double>(plan),
        (KernelVariant.Simple, _) => RunSimple<float>(plan),
        (_, DType.Float64) => Flash.FlashEngine<double>.Run(plan),
        _ => Flash.FlashEngine<float>.Run(plan),
    };

    private static MultiHeadAttentionResult RunSimple<T>(AttentionPlan plan)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outputSize = checked(plan.N * plan.L * plan.O);
        T[] output = ArrayPool<T>.Shared.Rent(outputSize);
        try
        {
            T[]? weights = plan.WeightsShape is null ? null : new T[ElementCount(plan.WeightsShape)];

            // Every input is read before the output is written (the kernels produce into pooled
            // buffers), so @out may alias query, key or value freely.
            SimpleAttention<T>.Compute(plan, output, weights);

            IvyArray result = plan.Out ?? IvyArray.Zeros(plan.DType, plan.OutputShape);
            result.WriteFrom<T>(output.AsSpan(0, outputSize));
            return new MultiHeadAttentionResult(result, weights is null ? null : WeightsArray(plan, weights));
        }
        finally
        {
            ArrayPool<T>.Shared.Return(output);
        }
    }

    /// <summary>The weights as an array of the call's dtype (converted when computed in another type).</summary>
    public static IvyArray WeightsArray<T>(AttentionPlan plan, T[] weights)
    {
        if (plan.DType == DTypes.Of<T>()) return IvyArray.From(weights, plan.WeightsShape!);
        var converted = IvyArray.Zeros(plan.DType, plan.WeightsShape!);
        converted.WriteFrom<T>(weights);
        return converted;
    }

    private static int ElementCount(int[] shape)
    {
        int count = 1;
        foreach (int d in shape) count = checked(count * d);
        return count;
    }
}
