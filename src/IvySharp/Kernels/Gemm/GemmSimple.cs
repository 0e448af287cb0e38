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
            var extents = new GemmExtents(x.Length, w.Length, bias.Length, destination.Length, rowOffsets.Length, columnOffsets.Length);
            var rowsJob = new Rows(px, xStride, depth, pw, columns, bias.IsEmpty ? null : pb, pd, rowOffsets.IsEmpty ? null : pr, columnOffsets.IsEmpty ? null : pc, destinationStride, extents);
            ParallelPolicy.For(rows, 2L * columns * depth, rowsJob);
        }
    }

    /// <summary>
    /// Null offset tables mean the dense layout: row r at r · destinationStride, column c at c.
    /// <paramref name="extents"/> is read only by the Debug bounds checks.
    /// </summary>
    private readonly struct Rows(T* x, int xStride, int depth, T* w, int columns, T* bias, T* destination, int* rowOffsets, int* columnOffsets, int destinationStride, GemmExtents extents) : IParallelItems
    {
        public void Run(int r)
        {
            // Per row: its x, all of W, the bias and the offset tables; per element (outside the k loop): where it lands.
            T* input = x + ((long)r * xStride);
            GemmBounds.Inside(input, depth, x, extents.X, "x row");
            GemmBounds.Inside(w, (long)columns * depth, w, extents.Weights, "W");
            if (bias is not null) GemmBounds.Inside(bias, columns, bias, extents.Bias, "bias");
            if (rowOffsets is not null) GemmBounds.Inside(rowOffsets + r, 1, rowOffsets, extents.RowOffsets, "row offsets");
            if (columnOffsets is not null) GemmBounds.Inside(columnOffsets, columns, columnOffsets, extents.ColumnOffsets, "column offsets");
            T* output = destination + (rowOffsets is null ? (long)r * destinationStride : rowOffsets[r]);
            for (int c = 0; c < columns; c++)
            {
                GemmBounds.Inside(output + (columnOffsets is null ? c : columnOffsets[c]), 1, destination, extents.Destination, "destination");
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
