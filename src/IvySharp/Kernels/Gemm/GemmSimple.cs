using System.Numerics;
using IvySharp.Internal;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// The Simple variant: the definition written as plain loops, one element at a time, in the same order
/// as the tiled kernels (fused chains over chunks of <see cref="GemmTiling.SumChunk"/> k steps, folded
/// into a total, bias last): the slow, obviously right path they must match bit for bit.
/// </summary>
internal static unsafe class GemmSimple<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride)
    {
        fixed (T* px = x, pw = w, pb = bias, pd = destination)
        fixed (int* pr = rowOffsets, pc = columnOffsets)
        {
            var rowsJob = new Rows(px, xStride, depth, pw, columns, bias.IsEmpty ? null : pb, pd, rowOffsets.IsEmpty ? null : pr, columnOffsets.IsEmpty ? null : pc, destinationStride);
            ParallelPolicy.For(rows, 2L * columns * depth, rowsJob.Run);
        }
    }

    /// <summary>Null offset tables mean the dense layout: row r at r · destinationStride, column c at c.</summary>
    private sealed class Rows(T* x, int xStride, int depth, T* w, int columns, T* bias, T* destination, int* rowOffsets, int* columnOffsets, int destinationStride)
    {
        public void Run(int r)
        {
            T* input = x + ((long)r * xStride);
            T* output = destination + (rowOffsets is null ? (long)r * destinationStride : rowOffsets[r]);
            for (int c = 0; c < columns; c++)
            {
                T* weights = w + ((long)c * depth);
                T total = T.Zero;
                for (int chunk = 0; chunk < depth; chunk += GemmTiling.SumChunk)
                {
                    T sum = T.Zero;
                    for (int k = chunk; k < Math.Min(depth, chunk + GemmTiling.SumChunk); k++) sum = T.FusedMultiplyAdd(input[k], weights[k], sum);
                    total = chunk == 0 ? sum : total + sum;
                }

                output[columnOffsets is null ? c : columnOffsets[c]] = total + (bias is null ? T.Zero : bias[c]);
            }
        }
    }
}
