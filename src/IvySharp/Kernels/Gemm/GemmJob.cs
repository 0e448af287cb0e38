using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Internal;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// One call's work on one SIMD width: the work items (a block of row slivers × a block of W panels each)
/// over weights packed beforehand (<see cref="PackedWeights{T}"/>). Holds raw pointers because the thread
/// pool's delegates cannot capture spans; every buffer behind them is pinned by
/// <see cref="GemmDriver{T, TVector, TSimd}"/> until the last item has finished.
/// </summary>
internal readonly unsafe struct GemmJob<T, TVector, TSimd> : IParallelItems
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    /// <summary>Accumulators of the width's tile; sizes the per-tile scratch (a constant to the JIT).</summary>
    private static int MaxTileRegisters => TSimd.GemmTileRows * TSimd.GemmTileVectors;

    private static int MaxTileRows => TSimd.GemmTileRows;

    public required GemmTiling Tiling { get; init; }

    public required T* X { get; init; }

    public required int XStride { get; init; }

    /// <summary>The packed panels: panel p starts at element Start(p) · depth, [k][panel width]. Null when <see cref="PacksWeights"/>.</summary>
    public required T* PackedWeights { get; init; }

    /// <summary>
    /// W as the caller gave it ((columns, depth), row-major) when <see cref="PacksWeights"/>, else null (<see cref="PackedWeights"/>
    /// holds it packed). Then each item packs its own panels, one k block at a time, into its thread's buffer just before multiplying
    /// them: the per-call path, where every panel belongs to one item (<see cref="GemmDriver{T, TVector, TSimd}"/>).
    /// The block holds the same values as the packed panel's, so the sums and their bits are the same.
    /// </summary>
    public T* Weights { get; init; }

    /// <summary>Whether the items pack W from <see cref="Weights"/> (which is null when W is empty: no depth).</summary>
    public bool PacksWeights { get; init; }

    /// <summary>The bias (or zeros) padded to whole panels.</summary>
    public required T* Bias { get; init; }

    /// <summary>A panel's worth of zeros: the "bias" of every k block but the last.</summary>
    public required T* Zeros { get; init; }

    public required T* Destination { get; init; }

    /// <summary>Where each row starts in the destination, or null for rows <see cref="DestinationStride"/> apart.</summary>
    public required int* RowOffsets { get; init; }

    /// <summary>Where each column lands from its row's start, or null for column c at c.</summary>
    public required int* ColumnOffsets { get; init; }

    public required int DestinationStride { get; init; }

    /// <summary>Whether packing the x slivers may use SIMD transposes (not on the scalar width).</summary>
    public required bool VectorizedPacking { get; init; }

    /// <summary>Element counts behind the pointers above, for the Debug bounds checks only.</summary>
    public required GemmExtents Extents { get; init; }

    /// <summary>Work item <paramref name="item"/> (the <see cref="ParallelPolicy"/> body: a struct, so a call on the caller's thread allocates nothing).</summary>
    public void Run(int item) => RunItem(item);

    /// <summary>Computes every tile of one (row block, panel block) item, k block by k block.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunItem(int item)
    {
        GemmTiling t = Tiling;
        GemmPanels panels = t.Layout;
        int rowBlock = item / t.ColumnBlocks, columnBlock = item - (rowBlock * t.ColumnBlocks);
        int firstSliver = rowBlock * t.SliversPerBlock, endSliver = Math.Min(t.Slivers, firstSliver + t.SliversPerBlock);
        int firstPanel = columnBlock * t.PanelsPerBlock, endPanel = Math.Min(panels.Count, firstPanel + t.PanelsPerBlock);
        int blockRows = t.SliverStart(endSliver) - t.SliverStart(firstSliver);

        int packedRowsLength = blockRows * t.KBlockLength;
        T* packedRows = GemmRowBuffer<T>.Get(packedRowsLength);
        T* scratch = stackalloc T[MaxTileRegisters * TSimd.Count];
        int* scratchRows = stackalloc int[MaxTileRows];
        int* denseRows = stackalloc int[MaxTileRows];
        int* denseColumns = stackalloc int[MaxTileRegisters * TSimd.Count];
        int panelBlockLength = t.KBlockLength * panels.PanelWidth;
        T* panelBlock = PacksWeights ? GemmRowBuffer<T>.GetPanel(panelBlockLength) : null;

        // The stack buffers hold a whole tile: scratch and the identity column table a panel's rows × width.
        Debug.Assert(panels.PanelWidth * MaxTileRows <= MaxTileRegisters * TSimd.Count, "a tile outgrows the scratch.");

        for (int block = 0; block < t.KBlocks; block++)
        {
            (int k0, int kc) = t.KBlock(block);
            T* packed = packedRows;
            for (int s = firstSliver; s < endSliver; s++)
            {
                int rows = t.SliverRows(s);
                T* source = X + ((long)t.SliverStart(s) * XStride) + k0;
                GemmBounds.Strided(source, rows, XStride, kc, X, Extents.X, "x sliver");
                GemmBounds.Inside(packed, (long)rows * kc, packedRows, packedRowsLength, "packed x rows");
                GemmPacking<T>.Transpose(source, XStride, rows, kc, packed, rows, VectorizedPacking);
                packed += rows * kc;
            }

            bool accumulate = block > 0;
            for (int p = firstPanel; p < endPanel; p++)
            {
                int start = panels.Start(p), vectors = panels.VectorsOf(p), width = vectors * panels.Lanes, columns = panels.ColumnsOf(p);
                T* panel;
                if (!PacksWeights)
                {
                    panel = PackedWeights + ((long)start * t.Depth) + ((long)k0 * width);
                    GemmBounds.Inside(panel, (long)kc * width, PackedWeights, Extents.Weights, "packed W block");
                }
                else
                {
                    panel = panelBlock;
                    T* source = Weights + ((long)start * t.Depth) + k0;
                    GemmBounds.Strided(source, columns, t.Depth, kc, Weights, Extents.Weights, "W panel block");
                    GemmBounds.Inside(panel, (long)kc * width, panelBlock, panelBlockLength, "packed W block");
                    GemmPacking<T>.Transpose(source, t.Depth, columns, kc, panel, width, VectorizedPacking);
                }

                T* bias = block == t.KBlocks - 1 ? Bias + start : Zeros;
                GemmBounds.Inside(bias, width, Bias, Extents.Bias, "bias");
                if (ColumnOffsets is not null) GemmBounds.Inside(ColumnOffsets + start, columns, ColumnOffsets, Extents.ColumnOffsets, "column offsets");
                int* columnOffsets = ColumnOffsets is null ? Identity(denseColumns, start, columns) : ColumnOffsets + start;
                bool direct = columns == width && (ColumnOffsets is null || IsContiguous(columnOffsets, columns));
                uint whole = direct ? 0 : WholeRegisters(columnOffsets, columns);
                for (int r = 0; r < MaxTileRows; r++) scratchRows[r] = r * width;

                packed = packedRows;
                for (int s = firstSliver; s < endSliver; s++)
                {
                    int rows = t.SliverRows(s);
                    if (RowOffsets is not null) GemmBounds.Inside(RowOffsets + t.SliverStart(s), rows, RowOffsets, Extents.RowOffsets, "row offsets");
                    int* rowOffsets = RowOffsets is null ? Strided(denseRows, t.SliverStart(s), rows, DestinationStride) : RowOffsets + t.SliverStart(s);
                    GemmBounds.Inside(packed, (long)rows * kc, packedRows, packedRowsLength, "packed x sliver");
                    if (direct)
                    {
                        // The kernel writes width elements from each row's start: the tile's corners bound it.
                        GemmBounds.Tile(Destination + columnOffsets[0], rowOffsets, rows, width, Destination, Extents.Destination, "destination tile");
                        GemmDispatch<T, TVector, TSimd>.Run(rows, vectors, packed, panel, kc, Destination + columnOffsets[0], rowOffsets, bias, accumulate);
                    }
                    else
                    {
                        // Scattered or partial panel: run the tile in scratch, move only the real elements.
                        GemmBounds.Scattered(Destination, Extents.Destination, rowOffsets, rows, columnOffsets, columns);
                        GemmBounds.Tile(scratch, scratchRows, rows, width, scratch, MaxTileRegisters * TSimd.Count, "scratch tile");
                        if (accumulate) Gather(scratch, width, rows, columns, rowOffsets, columnOffsets, whole);
                        GemmDispatch<T, TVector, TSimd>.Run(rows, vectors, packed, panel, kc, scratch, scratchRows, bias, accumulate);
                        Scatter(scratch, width, rows, columns, rowOffsets, columnOffsets, whole);
                    }

                    packed += rows * kc;
                }
            }
        }
    }

    /// <summary>A full panel whose columns land next to each other is stored straight from the registers.</summary>
    private static bool IsContiguous(int* columnOffsets, int columns)
    {
        for (int j = 1; j < columns; j++)
        {
            if (columnOffsets[j] != columnOffsets[0] + j) return false;
        }

        return true;
    }

    private static int* Identity(int* table, int start, int count)
    {
        for (int j = 0; j < count; j++) table[j] = start + j;
        return table;
    }

    private static int* Strided(int* table, int start, int count, int stride)
    {
        for (int r = 0; r < count; r++) table[r] = (start + r) * stride;
        return table;
    }

    /// <summary>
    /// Bit v set when register v of the panel lands on consecutive elements: a head-major layout with
    /// heads of 16 or 64 breaks a 48-wide panel at a head boundary but leaves each register whole.
    /// </summary>
    private static uint WholeRegisters(int* columnOffsets, int columns)
    {
        int n = TSimd.Count;
        uint whole = 0;
        for (int v = 0; (v + 1) * n <= columns; v++)
        {
            if (IsContiguous(columnOffsets + (v * n), n)) whole |= 1u << v;
        }

        return whole;
    }

    private void Gather(T* scratch, int width, int rows, int columns, int* rowOffsets, int* columnOffsets, uint whole)
    {
        int n = TSimd.Count;
        for (int r = 0; r < rows; r++)
        {
            T* source = Destination + rowOffsets[r];
            T* tile = scratch + (r * width);
            for (int j = 0; j < columns;)
            {
                if (j % n == 0 && ((whole >> (j / n)) & 1) != 0)
                {
                    TSimd.Store(TSimd.Load(source + columnOffsets[j]), tile + j);
                    j += n;
                }
                else
                {
                    tile[j] = source[columnOffsets[j]];
                    j++;
                }
            }

            // The padding lanes are never stored, but stale bits there could be denormals that slow the FMAs.
            new Span<T>(tile + columns, width - columns).Clear();
        }
    }

    private void Scatter(T* scratch, int width, int rows, int columns, int* rowOffsets, int* columnOffsets, uint whole)
    {
        int n = TSimd.Count;
        for (int r = 0; r < rows; r++)
        {
            T* target = Destination + rowOffsets[r];
            T* tile = scratch + (r * width);
            for (int j = 0; j < columns;)
            {
                if (j % n == 0 && ((whole >> (j / n)) & 1) != 0)
                {
                    TSimd.Store(TSimd.Load(tile + j), target + columnOffsets[j]);
                    j += n;
                }
                else
                {
                    target[columnOffsets[j]] = tile[j];
                    j++;
                }
            }
        }
    }
}
