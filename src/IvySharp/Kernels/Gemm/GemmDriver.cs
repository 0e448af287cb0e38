using System.Buffers;
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
    public static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets,
        bool vectorizedPacking)
    {
        var tiling = GemmTiling.Create(rows, columns, depth, TLane.Count, sizeof(T), ParallelPolicy.DegreeOfParallelism);
        int padded = tiling.Panels * tiling.PanelWidth;

        T[] packedWeights = ArrayPool<T>.Shared.Rent((int)Math.Max(1, tiling.PackedWeightsLength));
        T[] paddedBias = ArrayPool<T>.Shared.Rent(padded);
        T[] zeros = ArrayPool<T>.Shared.Rent(tiling.PanelWidth);
        try
        {
            paddedBias.AsSpan(0, padded).Clear();
            if (!bias.IsEmpty) bias[..columns].CopyTo(paddedBias);
            zeros.AsSpan(0, tiling.PanelWidth).Clear();

            fixed (T* px = x, pw = w, pd = destination, ppw = packedWeights, pb = paddedBias, pz = zeros)
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
                    Zeros = pz,
                    Destination = pd,
                    RowOffsets = pr,
                    ColumnOffsets = pc,
                    DirectPanels = DirectPanels(tiling, columnOffsets),
                    VectorizedPacking = vectorizedPacking,
                };

                // Packing moves about one element per cycle, a GEMM does ~2·rows flops per element moved: charge it as 4.
                ParallelPolicy.For(tiling.Panels, 4L * tiling.PanelWidth * depth, job.PackPanel);

                long flopsPerItem = 2L * Math.Min(rows, tiling.SliversPerBlock * tiling.MainRows)
                    * Math.Min(columns, tiling.PanelsPerBlock * tiling.PanelWidth) * Math.Max(1, depth);
                ParallelPolicy.For(tiling.Items, flopsPerItem, job.RunItem);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packedWeights);
            ArrayPool<T>.Shared.Return(paddedBias);
            ArrayPool<T>.Shared.Return(zeros);
        }
    }

    /// <summary>A panel is direct when all its columns exist and land next to each other in the destination.</summary>
    private static bool[] DirectPanels(GemmTiling tiling, ReadOnlySpan<int> columnOffsets)
    {
        var direct = new bool[tiling.Panels];
        for (int p = 0; p < tiling.Panels; p++)
        {
            int start = tiling.PanelStart(p), count = tiling.PanelColumns(p);
            bool contiguous = count == tiling.PanelVectors(p) * tiling.LaneWidth;
            for (int j = 1; contiguous && j < count; j++) contiguous = columnOffsets[start + j] == columnOffsets[start] + j;
            direct[p] = contiguous;
        }

        return direct;
    }
}
