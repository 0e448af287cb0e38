using System.Buffers;
using System.Numerics;
using IvySharp.Kernels.Backends;
using IvySharp.Kernels.Pipeline;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// Runs a validated <see cref="AttentionPlan"/> on a backend: picks the compute type (double for float64,
/// float for float32 and float16), chooses where the output is written (<see cref="AttentionResults"/>),
/// builds the typed problem, lets the backend compute it, and writes the result arrays.
/// </summary>
internal static class AttentionEngine
{
    /// <summary>Runs <paramref name="plan"/> on <paramref name="backend"/> (resolved once by the caller for the whole call).</summary>
    /// <param name="plan">The validated call.</param>
    /// <param name="backend">Where it is computed.</param>
    /// <param name="prepared">A layer's projection weights packed beforehand (the plan's own weight arrays), or null.</param>
    /// <param name="weightsOut">A layer caller's array for the weights, validated against the plan (<see cref="AttentionValidator.ValidateWeightsOut"/>), or null.</param>
    public static MultiHeadAttentionResult Run(AttentionPlan plan, IAttentionBackend backend, PreparedWeights? prepared = null, IvyArray? weightsOut = null) => plan.DType switch
    {
        // N = 0 or L = 0: the output (N·L·O) and the weights (N·(H)·L·S′) are empty; nothing to compute, and
        // no kernel runs (the tiled engine's key split divides by its row count). Here, so that every caller
        // (the array facade and the container path) gets it.
        _ when plan.N == 0 || plan.L == 0 => AttentionResults.NoQueryRows(plan, weightsOut),
        DType.Float64 => Run<double>(plan, backend, prepared, weightsOut),
        _ => Run<float>(plan, backend, prepared, weightsOut),
    };

    private static MultiHeadAttentionResult Run<T>(AttentionPlan plan, IAttentionBackend backend, PreparedWeights? prepared, IvyArray? weightsOut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Validation and backend resolution made every array live where the query does.
        if (plan.Query.Storage is DeviceStorage device) return DeviceResults.Run<T>(plan, backend, device);
        int outputSize = checked(plan.N * plan.L * plan.O);
        (IvyArray result, OutputTarget<T> target, T[]? pooled) = AttentionResults.Target<T>(plan, outputSize);
        try
        {
            T[]? weights = AttentionResults.NewWeights<T>(plan, weightsOut);
            // Packed panels are the CPU GEMM's; another backend gets the weight arrays as usual.
            using (AttentionProblem<T> problem = ProblemBuilder.Build(plan, target, weights, prepared: backend is CpuBackend ? prepared : null))
            {
                backend.Run(problem);
            }

            if (pooled is not null) AttentionResults.WriteOutput<T>(plan, result, pooled.AsSpan(0, outputSize));
            return new MultiHeadAttentionResult(result, weights is null ? null : AttentionResults.WeightsArray(plan, weights, weightsOut));
        }
        finally
        {
            if (pooled is not null) ArrayPool<T>.Shared.Return(pooled);
        }
    }
}
