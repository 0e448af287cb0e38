using System.Numerics;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// How one call is cut up: row slivers of 8 rows (the micro-kernel's; the remainder as 4, 2, 1),
/// column panels of 3 registers (fewer for the last), k blocks, and the work items the threads
/// share. Depends on the shape and lane width (and, for the item grid only, the thread count), never
/// on the data. No choice here changes a result bit: every element's sum runs over k in order
/// whatever the cut.
/// </summary>
internal sealed class GemmTiling
{
    /// <summary>Rows of the main tile: 8 rows × 3 registers of C (24 accumulators).</summary>
    public const int MainRows = 8;

    /// <summary>Registers across a full panel.</summary>
    public const int MainVectors = 3;

    /// <summary>
    /// k steps summed in one fused chain before it is folded into the element's total; k blocks are
    /// whole multiples of it so the chunks fall in the same places whatever the blocking.
    /// </summary>
    public const int SumChunk = 128;

    /// <summary>Least work worth an item of its own: about 10 µs of one core, several times a thread pool hand-off.</summary>
    private const long MinItemFlops = 1L << 20;

    /// <summary>
    /// Bytes of one packed row of the k block: 2048 floats. Each extra k block stores and reloads C,
    /// which measured costlier than B panels and A slivers outgrowing L2 (2048³: 95 → 101 GFLOP/s going from 768 to 2048).
    /// </summary>
    private const int KBlockBytes = 8192;

    /// <summary>Rows of A packed together and swept across the panels: each B panel is fetched from L3 once per block.</summary>
    private const int RowBlockTarget = 224;

    /// <summary>Rows left over after the full slivers: cut into its binary digits (4, 2, 1), a kernel each.</summary>
    private readonly int _remainder;

    private readonly int _fullSlivers;

    private GemmTiling(int rows, int columns, int depth, int laneWidth, int elementSize, int degree)
    {
        LaneWidth = laneWidth;
        Columns = columns;
        Depth = depth;

        PanelWidth = MainVectors * laneWidth;
        Panels = (columns + PanelWidth - 1) / PanelWidth;
        _fullSlivers = rows / MainRows;
        _remainder = rows % MainRows;
        Slivers = _fullSlivers + BitOperations.PopCount((uint)_remainder);

        int kBlockMax = Math.Max(SumChunk, KBlockBytes / elementSize / SumChunk * SumChunk);
        int blocks = Math.Max(1, (depth + kBlockMax - 1) / kBlockMax);
        int chunks = (depth + SumChunk - 1) / SumChunk;
        KBlockLength = Math.Max(1, (chunks + blocks - 1) / blocks * SumChunk);
        KBlocks = Math.Max(1, (depth + KBlockLength - 1) / KBlockLength);

        // Row blocks of about RowBlockTarget rows, a whole number per thread, grown (up to 4×) when
        // the columns are so few that a block is too little work to hand out.
        const int target = RowBlockTarget / MainRows;
        int rowBlocks = (Slivers + target - 1) / target;
        rowBlocks = ((rowBlocks + degree - 1) / degree) * degree;
        SliversPerBlock = Math.Max(1, (Slivers + rowBlocks - 1) / rowBlocks);
        long sliverFlops = Math.Max(1, 2L * MainRows * columns * depth);
        if (sliverFlops * SliversPerBlock < MinItemFlops)
        {
            SliversPerBlock = (int)Math.Min(4L * SliversPerBlock, (MinItemFlops + sliverFlops - 1) / sliverFlops);
        }

        RowBlocks = (Slivers + SliversPerBlock - 1) / SliversPerBlock;

        // Enough items for the threads to balance (4 per thread), but none so small that waking a
        // worker costs more than it saves; split the columns only when the rows alone don't give
        // enough, since every item over the same rows packs those rows again.
        long flops = 2L * rows * columns * Math.Max(1, depth);
        int wanted = degree > 1 ? (int)Math.Clamp(flops / MinItemFlops, 1, 4 * degree) : 1;
        int columnBlocks = RowBlocks >= wanted ? 1 : Math.Min(Panels, (wanted + RowBlocks - 1) / RowBlocks);
        PanelsPerBlock = (Panels + columnBlocks - 1) / columnBlocks;
        ColumnBlocks = (Panels + PanelsPerBlock - 1) / PanelsPerBlock;
    }

    public int LaneWidth { get; }

    public int Columns { get; }

    public int Depth { get; }

    /// <summary>Columns of a full panel (main registers across · lane width).</summary>
    public int PanelWidth { get; }

    public int Panels { get; }

    public int Slivers { get; }

    public int KBlocks { get; }

    public int KBlockLength { get; }

    public int SliversPerBlock { get; }

    public int RowBlocks { get; }

    public int PanelsPerBlock { get; }

    public int ColumnBlocks { get; }

    public int Items => RowBlocks * ColumnBlocks;

    /// <summary>Packed elements of W: every panel at full width (the last one is only as wide as it needs, so this is an upper bound).</summary>
    public long PackedWeightsLength => (long)Panels * PanelWidth * Depth;

    public static GemmTiling Create(int rows, int columns, int depth, int laneWidth, int elementSize, int degree) =>
        new(rows, columns, depth, laneWidth, elementSize, degree);

    /// <summary>First row of sliver <paramref name="sliver"/>; <see cref="Slivers"/> gives the row count.</summary>
    public int SliverStart(int sliver)
    {
        if (sliver <= _fullSlivers) return sliver * MainRows;
        int bit = RemainderBit(sliver - _fullSlivers);
        return (_fullSlivers * MainRows) + (bit == 0 ? _remainder : _remainder & ~((bit << 1) - 1));
    }

    public int SliverRows(int sliver) => sliver < _fullSlivers ? MainRows : RemainderBit(sliver - _fullSlivers);

    public int PanelStart(int panel) => panel * PanelWidth;

    /// <summary>Columns of the panel that exist (the rest of its last register is zero padding).</summary>
    public int PanelColumns(int panel) => Math.Min(PanelWidth, Columns - PanelStart(panel));

    /// <summary>Registers across the panel: the main count, fewer for a narrow last panel.</summary>
    public int PanelVectors(int panel) => (PanelColumns(panel) + LaneWidth - 1) / LaneWidth;

    public (int Start, int Length) KBlock(int block)
    {
        int start = block * KBlockLength;
        return (start, Math.Min(KBlockLength, Depth - start));
    }

    /// <summary>The index-th set bit of the remainder from the top, or 0 past the last.</summary>
    private int RemainderBit(int index)
    {
        for (int bit = MainRows / 2; bit > 0; bit >>= 1)
        {
            if ((_remainder & bit) != 0 && index-- == 0) return bit;
        }

        return 0;
    }
}
