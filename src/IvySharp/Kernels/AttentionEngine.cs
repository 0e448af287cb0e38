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
    public static MultiHeadAttentionResult Run(AttentionPlan plan) => (plan.Variant.Algorithm, plan.DType) switch
    {
        // N = 0 or L = 0: the output (N·L·O) and the weights (N·(H)·L·S′) are empty; nothing to compute, and
        // no kernel runs (the tiled engine's key split divides by its row count). Here, so that every caller
        // (the array facade and the container path) gets it.
        _ when plan.N == 0 || plan.L == 0 => NoQueryRows(plan),
        (AttentionAlgorithm.Plain, DType.Float64) => RunSimple<double>(plan),
        (AttentionAlgorithm.Plain, _) => RunSimple<float>(plan),
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
            T[]? weights = NewWeights<T>(plan);

            // Every input is read before the output is written (the kernels produce into pooled
            // buffers), so @out may alias query, key or value freely.
            SimpleAttention<T>.Compute(plan, output, weights);

            IvyArray result = plan.Out ?? IvyArray.Zeros(plan.DType, plan.OutputShape);
            WriteOutput<T>(plan, result, output.AsSpan(0, outputSize));
            return new MultiHeadAttentionResult(result, weights is null ? null : WeightsArray(plan, weights));
        }
        finally
        {
            ArrayPool<T>.Shared.Return(output);
        }
    }

    /// <summary>
    /// Writes the computed output into <paramref name="result"/>. A float16 call's result is float16
    /// (computed in float32, rounded once); an <c>@out</c> of another dtype receives that float16 result
    /// converted, as Ivy converts its result into <c>out</c>.
    /// </summary>
    public static void WriteOutput<T>(AttentionPlan plan, IvyArray result, ReadOnlySpan<T> values)
    {
        if (plan.DType != DType.Float16 || result.DType == DType.Float16)
        {
            result.WriteFrom(values);
            return;
        }

        Half[] rounded = ArrayPool<Half>.Shared.Rent(values.Length);
        try
        {
            Internal.ElementConvert.Copy(values, rounded.AsSpan(0, values.Length));
            result.WriteFrom<Half>(rounded.AsSpan(0, values.Length));
        }
        finally
        {
            ArrayPool<Half>.Shared.Return(rounded);
        }
    }

    private static MultiHeadAttentionResult NoQueryRows(AttentionPlan plan) => new(
        plan.Out ?? IvyArray.Zeros(plan.DType, plan.OutputShape),
        plan.WeightsShape is null ? null : IvyArray.Zeros(plan.DType, plan.WeightsShape));

    /// <summary>The weights as an array of the call's dtype (converted when computed in another type).</summary>
    public static IvyArray WeightsArray<T>(AttentionPlan plan, T[] weights)
    {
        if (plan.DType == DTypes.Of<T>()) return IvyArray.From(weights, plan.WeightsShape!);
        var converted = IvyArray.Zeros(plan.DType, plan.WeightsShape!);
        converted.WriteFrom<T>(weights);
        return converted;
    }

    /// <summary>The buffer the kernels write the weights into (compute type, the returned layout), or null when not asked for.</summary>
    public static T[]? NewWeights<T>(AttentionPlan plan)
    {
        if (plan.WeightsShape is null) return null;
        int count = 1;
        foreach (int d in plan.WeightsShape) count = checked(count * d);
        return new T[count];
    }
}
