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
            Compute(plan, target, outputSize, weights);
            if (pooled is not null) AttentionEngine.WriteOutput<T>(plan, result, pooled.AsSpan(0, outputSize));
            return new MultiHeadAttentionResult(result, weights is null ? null : AttentionEngine.WeightsArray(plan, weights));
        }
        finally
        {
            if (pooled is not null) ArrayPool<T>.Shared.Return(pooled);
        }
    }

    private static void Compute(AttentionPlan plan, object target, int outputSize, T[]? weights)
    {
        int e = plan.E, d = plan.D;
        T scale = T.CreateChecked(plan.Scale);
        using var inputs = new FlashInputs<T>(plan);
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
            FlashRepair<T>.Run(problem);

            if (attended is not null)
            {
                Span<T> destination = target is T[] array ? array.AsSpan(0, outputSize) : ((ArrayStorage<T>)target).ContiguousSpan;
                ProjectOutput(plan, attended, destination);
            }
        }
        finally
        {
            if (attended is not null) ArrayPool<T>.Shared.Return(attended);
        }
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
