using System.Buffers;
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
    /// <summary>
    /// The per-call path. When every W panel is multiplied by one item only (one row block: calls of up to a few
    /// hundred rows), each item packs its own panels, a k block at a time, into its thread's buffer just before using
    /// them. Packing all of W first would write it out in full and read it back, often from the other core's cache:
    /// for the call's W that costs about as much again as reading it. Calls of several row blocks pack W once,
    /// into pooled memory, so their items share the panels.
    /// </summary>
    public static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride)
    {
        if (rows == 0 || columns == 0) return;
        var tiling = GemmTiling.Create(rows, columns, depth, ParallelPolicy.DegreeOfParallelism, GemmShape.Of<T, TVector, TSimd>());
        if (tiling.RowBlocks > 1)
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

            return;
        }

        T[] paddedBias = PackedWeights<T>.PadBias(bias, columns, tiling.Layout, pooled: true, out int biasLength);
        try
        {
            fixed (T* px = x, pd = destination, pw = w, pb = paddedBias)
            fixed (int* pr = rowOffsets, pc = columnOffsets)
            {
                var job = Job(tiling, px, x.Length, xStride, pd, destination.Length, pr, rowOffsets.Length, pc, columnOffsets.Length, destinationStride, null, w.Length, pb, biasLength, tiling.Layout) with { Weights = pw, PacksWeights = true };
                ParallelPolicy.For(tiling.Items, FlopsPerItem(tiling, rows, columns), job);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(paddedBias);
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
        CheckWidth(packed);
        int columns = packed.Columns;
        if (rows == 0 || columns == 0) return; // nothing to write, and the tiling needs at least one sliver and panel
        var tiling = GemmTiling.Create(rows, columns, packed.Depth, ParallelPolicy.DegreeOfParallelism, GemmShape.Of<T, TVector, TSimd>());

        fixed (T* px = x, pd = destination, ppw = packed.Weights, pb = packed.Bias)
        fixed (int* pr = rowOffsets, pc = columnOffsets)
        {
            var job = Job(tiling, packed, px, x.Length, xStride, pd, destination.Length, pr, rowOffsets.Length, pc, columnOffsets.Length, destinationStride, ppw, pb);
            ParallelPolicy.For(tiling.Items, FlopsPerItem(tiling, rows, columns), job);
        }
    }

    /// <summary>
    /// Three multiplications by weights packed for this width (a call's q, k and v projections) as one fan-out: the
    /// threads share all three calls' items, so the call waits for its workers once instead of three times. Each
    /// result is the one <see cref="Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int}, int)"/>
    /// gives: the items and their sums are the same, only who runs them differs.
    /// </summary>
    public static void RunTogether(scoped in GemmCall<T> first, scoped in GemmCall<T> second, scoped in GemmCall<T> third)
    {
        CheckWidth(first.Packed);
        CheckWidth(second.Packed);
        CheckWidth(third.Packed);
        int degree = ParallelPolicy.DegreeOfParallelism;
        var shape = GemmShape.Of<T, TVector, TSimd>();
        GemmTiling t0 = Plan(first, degree, shape), t1 = Plan(second, degree, shape), t2 = Plan(third, degree, shape);

        fixed (T* x0 = first.X, d0 = first.Destination, w0 = first.Packed.Weights, b0 = first.Packed.Bias)
        fixed (int* r0 = first.RowOffsets, c0 = first.ColumnOffsets)
        fixed (T* x1 = second.X, d1 = second.Destination, w1 = second.Packed.Weights, b1 = second.Packed.Bias)
        fixed (int* r1 = second.RowOffsets, c1 = second.ColumnOffsets)
        fixed (T* x2 = third.X, d2 = third.Destination, w2 = third.Packed.Weights, b2 = third.Packed.Bias)
        fixed (int* r2 = third.RowOffsets, c2 = third.ColumnOffsets)
        {
            var jobs = new GemmJobTriple<T, TVector, TSimd>
            {
                First = Job(t0, first.Packed, x0, first.X.Length, first.XStride, d0, first.Destination.Length, r0, first.RowOffsets.Length, c0, first.ColumnOffsets.Length, 0, w0, b0),
                Second = Job(t1, second.Packed, x1, second.X.Length, second.XStride, d1, second.Destination.Length, r1, second.RowOffsets.Length, c1, second.ColumnOffsets.Length, 0, w1, b1),
                Third = Job(t2, third.Packed, x2, third.X.Length, third.XStride, d2, third.Destination.Length, r2, third.RowOffsets.Length, c2, third.ColumnOffsets.Length, 0, w2, b2),
                FirstItems = t0.Items,
                SecondItems = t1.Items,
            };
            int items = t0.Items + t1.Items + t2.Items;
            long flopsPerItem = Math.Max(FlopsPerItem(t0, first.Rows, first.Packed.Columns), Math.Max(FlopsPerItem(t1, second.Rows, second.Packed.Columns), FlopsPerItem(t2, third.Rows, third.Packed.Columns)));
            ParallelPolicy.For(items, flopsPerItem, jobs);
        }
    }

    private static void CheckWidth(PackedWeights<T> packed)
    {
        if (packed.Algorithm != AttentionAlgorithm.Tiled || packed.Width != TSimd.Width)
        {
            throw new ArgumentException($"The weights were packed for {packed.Algorithm} {packed.Width}, not for {TSimd.Width}.", nameof(packed));
        }
    }

    /// <summary>The call's tiling; an empty call gets the default one, which has no items (and no flops per item).</summary>
    private static GemmTiling Plan(scoped in GemmCall<T> call, int degree, GemmShape shape) =>
        call.Rows == 0 || call.Packed.Columns == 0 ? default : GemmTiling.Create(call.Rows, call.Packed.Columns, call.Packed.Depth, degree, shape);

    private static long FlopsPerItem(GemmTiling tiling, int rows, int columns) =>
        2L * Math.Min(rows, tiling.SliversPerBlock * tiling.Shape.TileRows)
            * Math.Min(columns, tiling.PanelsPerBlock * tiling.Layout.PanelWidth) * Math.Max(1, tiling.Depth);

    /// <summary>One call's work items over pinned operands (the caller keeps them pinned until the items have run).</summary>
    private static GemmJob<T, TVector, TSimd> Job(
        GemmTiling tiling, PackedWeights<T> packed, T* x, int xLength, int xStride, T* destination, int destinationLength,
        int* rowOffsets, int rowOffsetsLength, int* columnOffsets, int columnOffsetsLength, int destinationStride, T* weights, T* bias) =>
        Job(tiling, x, xLength, xStride, destination, destinationLength, rowOffsets, rowOffsetsLength, columnOffsets, columnOffsetsLength,
            destinationStride, weights, packed.WeightsLength, bias, packed.BiasLength, packed.Layout);

    /// <summary>The same, from the packed (or given, with <c>Weights</c> set after) W's pointer and the padded bias's.</summary>
    private static GemmJob<T, TVector, TSimd> Job(
        GemmTiling tiling, T* x, int xLength, int xStride, T* destination, int destinationLength,
        int* rowOffsets, int rowOffsetsLength, int* columnOffsets, int columnOffsetsLength, int destinationStride,
        T* packedWeights, long weightsLength, T* bias, int biasLength, GemmPanels layout) => new()
        {
            Tiling = tiling,
            X = x,
            XStride = xStride,
            PackedWeights = packedWeights,
            Bias = bias,
            Zeros = bias + layout.PaddedColumns,
            Destination = destination,
            RowOffsets = rowOffsetsLength == 0 ? null : rowOffsets,
            ColumnOffsets = columnOffsetsLength == 0 ? null : columnOffsets,
            DestinationStride = destinationStride,

            // The scalar width's register is the element itself: it never touches SIMD, its packing included.
            VectorizedPacking = typeof(TVector) != typeof(T),

            // Only the Debug bounds checks read these; the packed extents are the lengths in use, not the
            // (pooled) arrays', so an overrun into the pool's slack is caught too.
            Extents = new GemmExtents(xLength, weightsLength, biasLength, destinationLength, rowOffsetsLength, columnOffsetsLength),
        };
}
