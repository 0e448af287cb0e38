using System.Numerics;
using IvySharp.Internal;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Runs one validated call on one SIMD width: plans the tiling from the width's shape, pins the operands and
/// the packed weights, and hands the work items to <see cref="ParallelPolicy"/>.
/// </summary>
internal static unsafe class GemmDriver<T, TVector, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    /// <summary>The per-call path: packs W into pooled memory, runs, gives the memory back.</summary>
    public static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride)
    {
        var packed = PackedWeights<T>.Pack<TVector, TSimd>(w, columns, depth, bias, pooled: true);
        try
        {
            Run(packed, x, rows, xStride, destination, rowOffsets, columnOffsets, destinationStride);
        }
        finally
        {
            packed.ReturnToPool();
        }
    }

    /// <summary>
    /// Multiplies x by weights packed for this width. Empty <paramref name="rowOffsets"/>/<paramref name="columnOffsets"/>
    /// mean the dense layout, rows <paramref name="destinationStride"/> apart.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="packed"/> was packed for another width (or is plain).</exception>
    public static void Run(
        PackedWeights<T> packed, ReadOnlySpan<T> x, int rows, int xStride,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride)
    {
        if (packed.Algorithm != AttentionAlgorithm.Tiled || packed.Width != TSimd.Width)
        {
            throw new ArgumentException($"The weights were packed for {packed.Algorithm} {packed.Width}, not for {TSimd.Width}.", nameof(packed));
        }

        int columns = packed.Columns, depth = packed.Depth;
        if (rows == 0 || columns == 0) return; // nothing to write, and the tiling needs at least one sliver and panel
        var tiling = GemmTiling.Create(rows, columns, depth, ParallelPolicy.DegreeOfParallelism, GemmShape.Of<T, TVector, TSimd>());
        int padded = tiling.Layout.PaddedColumns;

        fixed (T* px = x, pd = destination, ppw = packed.Weights, pb = packed.Bias)
        fixed (int* pr = rowOffsets, pc = columnOffsets)
        {
            var job = new GemmJob<T, TVector, TSimd>
            {
                Tiling = tiling,
                X = px,
                XStride = xStride,
                PackedWeights = ppw,
                Bias = pb,
                Zeros = pb + padded,
                Destination = pd,
                RowOffsets = rowOffsets.IsEmpty ? null : pr,
                ColumnOffsets = columnOffsets.IsEmpty ? null : pc,
                DestinationStride = destinationStride,

                // The scalar width's register is the element itself: it never touches SIMD, its packing included.
                VectorizedPacking = typeof(TVector) != typeof(T),

                // Only the Debug bounds checks read these; the packed extents are the lengths in use, not the
                // (pooled) arrays', so an overrun into the pool's slack is caught too.
                Extents = new GemmExtents(x.Length, packed.WeightsLength, packed.BiasLength, destination.Length, rowOffsets.Length, columnOffsets.Length),
            };

            long flopsPerItem = 2L * Math.Min(rows, tiling.SliversPerBlock * tiling.Shape.TileRows)
                * Math.Min(columns, tiling.PanelsPerBlock * tiling.Layout.PanelWidth) * Math.Max(1, depth);
            ParallelPolicy.For(tiling.Items, flopsPerItem, job);
        }
    }
}
