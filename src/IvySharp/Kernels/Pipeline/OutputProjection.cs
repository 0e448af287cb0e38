using System.Buffers;
using System.Numerics;
using GemmKernel = IvySharp.Kernels.Gemm;

namespace IvySharp.Kernels.Pipeline;

/// <summary>The output projection y = attended·W_outᵀ + b_out, through the GEMM straight into the call's output layout.</summary>
internal static class OutputProjection<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <param name="problem">The call (its output weights must be present).</param>
    /// <param name="attended">The attended rows, (N, L, E) row-major.</param>
    /// <param name="destination">The output, N·L·O elements in the call's layout.</param>
    /// <param name="variant">Picks the GEMM kernel.</param>
    /// <param name="prepared">The output weights packed beforehand for <paramref name="variant"/> (same bits), or null.</param>
    public static void Run(AttentionProblem<T> problem, T[] attended, Span<T> destination, KernelVariant variant, GemmKernel.PackedWeights<T>? prepared)
    {
        AttentionShape shape = problem.Shape;
        int rows = shape.N * shape.L;
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        int[] columnOffsets = ArrayPool<int>.Shared.Rent(shape.O);
        try
        {
            for (int n = 0; n < shape.N; n++)
            {
                for (int i = 0; i < shape.L; i++) rowOffsets[(n * shape.L) + i] = shape.QueryRow(n, i) * shape.O;
            }

            for (int c = 0; c < shape.O; c++) columnOffsets[c] = c;
            Operand<T>? bias = problem.OutProjBias;
            if (prepared is not null)
            {
                GemmKernel.Gemm<T>.Run(prepared, attended.AsSpan(0, rows * shape.E), rows, shape.E, destination, rowOffsets.AsSpan(0, rows), columnOffsets.AsSpan(0, shape.O));
                return;
            }

            GemmKernel.Gemm<T>.MultiplyTransposed(
                attended.AsSpan(0, rows * shape.E), rows, shape.E, shape.E, problem.OutProjWeights!.Span, shape.O,
                bias is null ? default : bias.Span, destination, rowOffsets.AsSpan(0, rows), columnOffsets.AsSpan(0, shape.O), variant);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rowOffsets);
            ArrayPool<int>.Shared.Return(columnOffsets);
        }
    }
}
