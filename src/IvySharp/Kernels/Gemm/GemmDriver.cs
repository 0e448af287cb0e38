using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using IvySharp.Internal;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Runs one validated call on one SIMD width: plans the tiling, pins the operands, packs W (on every
/// call: see <see cref="Gemm{T}"/> for why nothing is cached) and hands the work items to
/// <see cref="ParallelPolicy"/>.
/// </summary>
internal static unsafe class GemmDriver<T, TVector, TLane>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : unmanaged
    where TLane : IGemmLane<T, TVector>
{
    /// <summary>Empty <paramref name="rowOffsets"/>/<paramref name="columnOffsets"/> mean the dense layout, rows <paramref name="destinationStride"/> apart.</summary>
    public static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride,
        bool vectorizedPacking)
    {
        var tiling = GemmTiling.Create(rows, columns, depth, TLane.Count, sizeof(T), ParallelPolicy.DegreeOfParallelism);
        int padded = tiling.Panels * tiling.PanelWidth;

        T[] packedWeights = ArrayPool<T>.Shared.Rent((int)Math.Max(1, tiling.PackedWeightsLength));
        T[] paddedBias = ArrayPool<T>.Shared.Rent(padded + tiling.PanelWidth);
        try
        {
            // Full-width panels can outgrow W itself (a narrow last panel is padded): a length past int.MaxValue
            // would have been truncated by the cast above and the panels would overrun the rented array.
            Debug.Assert(tiling.PackedWeightsLength <= packedWeights.Length, "the packed panels outgrow their buffer.");

            // [0, padded): the bias, zero-padded; [padded, padded + panel): zeros for the k blocks before the last.
            paddedBias.AsSpan(0, padded + tiling.PanelWidth).Clear();
            if (!bias.IsEmpty) bias[..columns].CopyTo(paddedBias);

            fixed (T* px = x, pw = w, pd = destination, ppw = packedWeights, pb = paddedBias)
            fixed (int* pr = rowOffsets, pc = columnOffsets)
            {
                var job = new GemmJob<T, TVector, TLane>
                {
                    Tiling = tiling,
                    X = px,
                    XStride = xStride,
                    Weights = pw,
                    PackedWeights = ppw,
                    Bias = pb,
                    Zeros = pb + padded,
                    Destination = pd,
                    RowOffsets = rowOffsets.IsEmpty ? null : pr,
                    ColumnOffsets = columnOffsets.IsEmpty ? null : pc,
                    DestinationStride = destinationStride,
                    VectorizedPacking = vectorizedPacking,

                    // Only the Debug bounds checks read these; the packed panels' extent is the tiling's, not the
                    // rented array's, so an overrun into the pool's slack is caught too.
                    Extents = new GemmExtents(
                        x.Length, w.Length, tiling.PackedWeightsLength, padded + tiling.PanelWidth,
                        destination.Length, rowOffsets.Length, columnOffsets.Length),
                };

                // Packing moves about one element per cycle, a GEMM does ~2·rows flops per element moved: charge it as 4.
                ParallelPolicy.For(tiling.Panels, 4L * tiling.PanelWidth * depth, job.PackPanel);

                long flopsPerItem = 2L * Math.Min(rows, tiling.SliversPerBlock * GemmTiling.MainRows)
                    * Math.Min(columns, tiling.PanelsPerBlock * tiling.PanelWidth) * Math.Max(1, depth);
                ParallelPolicy.For(tiling.Items, flopsPerItem, job.RunItem);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedWeights);
            ArrayPool<T>.Shared.Return(paddedBias);
        }
    }
}
