using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using IvySharp.Planning;
using GemmKernel = IvySharp.Kernels.Gemm;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The fast path for the Scalar/Vector128/Vector256/Vector512 variants: inputs through
/// <see cref="FlashInputs{T}"/>, the tiled core (<see cref="FlashDispatch"/>), then the output projection
/// through the GEMM straight into the output layout. The output is written in place into the result
/// array, or into <c>@out</c> when it has the compute dtype, is contiguous and shares no byte with any
/// input; otherwise into a pooled buffer that is converted/copied at the end.
/// </summary>
internal static class FlashEngine<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static MultiHeadAttentionResult Run(AttentionPlan plan)
    {
        int outputSize = checked(plan.N * plan.L * plan.O);
        T[]? pooled = null;
        IvyArray result;
        object target;
        if (plan.Out is null && plan.DType == DTypes.Of<T>())
        {
            // Every element is written (the core covers every row of every head, the GEMM every column).
            T[] data = GC.AllocateUninitializedArray<T>(outputSize);
            result = IvyArray.From(data, plan.OutputShape);
            target = data;
        }
        else if (plan.DType != DType.Float16 && plan.Out is { Storage: ArrayStorage<T> { IsContiguous: true } storage } && !OverlapsAnyInput(plan, storage))
        {
            result = plan.Out;
            target = storage;
        }
        else
        {
            pooled = ArrayPool<T>.Shared.Rent(outputSize);
            result = plan.Out ?? IvyArray.Zeros(plan.DType, plan.OutputShape);
            target = pooled;
        }

        try
        {
            T[]? weights = AttentionEngine.NewWeights<T>(plan);
            if (!Compute(plan, target, outputSize, weights))
            {
                // Outside the tiled engine's exact range (NaN/∞ scores or values, overflow; see FlashGuards):
                // the plain path recomputes everything, overwriting whatever the engine wrote into @out.
                return AttentionEngine.RunSimple<T>(plan);
            }

            if (pooled is not null) AttentionEngine.WriteOutput<T>(plan, result, pooled.AsSpan(0, outputSize));
            return new MultiHeadAttentionResult(result, weights is null ? null : AttentionEngine.WeightsArray(plan, weights));
        }
        finally
        {
            if (pooled is not null) ArrayPool<T>.Shared.Return(pooled);
        }
    }

    /// <summary>Computes the call into <paramref name="target"/>; false when it left the engine's exact range (nothing reliable written).</summary>
    private static bool Compute(AttentionPlan plan, object target, int outputSize, T[]? weights)
    {
        int e = plan.E, d = plan.D;
        T scale = T.CreateChecked(plan.Scale);
        if (!T.IsFinite(scale) || FlashGuards<T>.MayPoison(plan.AttentionMask) || FlashGuards<T>.MayPoison(plan.KeyPaddingMask)) return false;
        using var inputs = new FlashInputs<T>(plan);
        if (T.Abs(scale) > T.One && !ScaledScoresStayFinite(plan, inputs, scale)) return false;
        T[]? attended = plan.OutProjWeights is null ? null : ArrayPool<T>.Shared.Rent(plan.N * plan.L * e);
        try
        {
            StridedBuffer<T> attendedView;
            if (attended is not null)
            {
                attendedView = new StridedBuffer<T>(attended, (long)plan.L * e, d, e);
            }
            else
            {
                // No output projection: the core writes the output layout directly.
                bool sequenceFirst = plan.Batched && !plan.BatchFirst;
                long sample = sequenceFirst ? e : (long)plan.L * e, row = sequenceFirst ? (long)plan.N * e : e;
                attendedView = target is T[] array ? new StridedBuffer<T>(array, sample, d, row) : new StridedBuffer<T>((ArrayStorage<T>)target, sample, d, row);
            }

            var problem = new FlashProblem<T>
            {
                N = plan.N, H = plan.H, L = plan.L, S = plan.S, SPrime = plan.SPrime, D = d,
                Scale = scale, IsCausal = plan.IsCausal,
                Query = inputs.Query, Key = inputs.Key, Value = inputs.Value, Attended = attendedView,
                AttentionMask = plan.AttentionMask, KeyPaddingMask = plan.KeyPaddingMask,
                Dropout = plan.Dropout, Seed = plan.Seed, Weights = weights, AverageWeights = plan.AverageWeights,
            };
            FlashDispatch.Attend(problem, plan.Variant);
            if (problem.LeftExactRange) return false;

            if (attended is not null)
            {
                Span<T> destination = target is T[] array ? array.AsSpan(0, outputSize) : ((ArrayStorage<T>)target).ContiguousSpan;
                ProjectOutput(plan, attended, destination);
            }

            return true;
        }
        finally
        {
            if (attended is not null) ArrayPool<T>.Shared.Return(attended);
        }
    }

    /// <summary>
    /// With |scale| &gt; 1, (scale·q)·k can overflow where the contract's scale·(q·k) does not (with |scale| ≤ 1
    /// the pre-scaled products are the smaller ones). One pass over q and k bounds every score; a call that
    /// could overflow goes to the plain path. Ordinary calls (scale = 1/√d) never pay for this pass.
    /// </summary>
    private static bool ScaledScoresStayFinite(AttentionPlan plan, FlashInputs<T> inputs, T scale)
    {
        double queries = FlashGuards<T>.MaxMagnitude(inputs.Query, plan.N, plan.H, plan.L, plan.D);
        double keys = FlashGuards<T>.MaxMagnitude(inputs.Key, plan.N, plan.H, plan.SPrime, plan.D);
        return FlashGuards<T>.ScoresStayFinite(double.CreateTruncating(T.Abs(scale)) * queries, keys, plan.D);
    }

    private static void ProjectOutput(AttentionPlan plan, T[] attended, Span<T> destination)
    {
        int rows = plan.N * plan.L;
        using var weights = Operand<T>.Of(plan.OutProjWeights!);
        using var bias = Operand<T>.OfOptional(plan.OutProjBias);
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        int[] columnOffsets = ArrayPool<int>.Shared.Rent(plan.O);
        try
        {
            for (int n = 0; n < plan.N; n++)
            {
                for (int i = 0; i < plan.L; i++) rowOffsets[(n * plan.L) + i] = plan.QueryRow(n, i) * plan.O;
            }

            for (int c = 0; c < plan.O; c++) columnOffsets[c] = c;
            GemmKernel.Gemm<T>.MultiplyTransposed(
                attended.AsSpan(0, rows * plan.E), rows, plan.E, plan.E, weights.Span, plan.O,
                bias is null ? default : bias.Span, destination, rowOffsets.AsSpan(0, rows), columnOffsets.AsSpan(0, plan.O), plan.Variant);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rowOffsets);
            ArrayPool<int>.Shared.Return(columnOffsets);
        }
    }

    /// <summary>
    /// True when <c>@out</c>'s bytes meet any input's, or an input's memory cannot be told (a strided
    /// tensor view): writing the result in place while inputs are still read would then corrupt them.
    /// </summary>
    private static bool OverlapsAnyInput(AttentionPlan plan, ArrayStorage<T> output)
    {
        ReadOnlySpan<byte> outBytes = MemoryMarshal.AsBytes(output.ContiguousSpan);
        IvyArray?[] inputs =
        [
            plan.Query, plan.Key, plan.Value, plan.InProjWeights, plan.QProjWeights, plan.KProjWeights, plan.VProjWeights,
            plan.InProjBias, plan.OutProjWeights, plan.OutProjBias, plan.BiasK, plan.BiasV, plan.StaticK, plan.StaticV,
            plan.AttentionMask?.Array, plan.KeyPaddingMask?.Array,
        ];
        foreach (IvyArray? input in inputs)
        {
            if (input is null) continue;
            if (!input.Storage.IsContiguous) return true;
            ReadOnlySpan<byte> bytes = input.Storage switch
            {
                ArrayStorage<float> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
                ArrayStorage<double> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
                ArrayStorage<Half> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
                ArrayStorage<bool> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
                _ => default,
            };
            if (bytes.Overlaps(outBytes)) return true;
        }

        return false;
    }
}
