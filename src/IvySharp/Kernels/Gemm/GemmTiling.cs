
namespace IvySharp.Kernels.Gemm;

/// <summary>
/// How one call is cut up: row slivers of the width's tile rows (the rows left over as one or two slivers),
/// the packed W's column panels, k blocks, and the work items the threads share. Depends on the shape
/// and the width's <see cref="GemmShape"/> (and, for the item grid only, the thread count), never on the
/// data. No choice here changes a result bit: every element's sum runs over k in order whatever the cut.
/// </summary>
internal readonly struct GemmTiling
{
    /// <summary>
    /// k steps summed in one fused chain before it is folded into the element's total; k blocks are
    /// whole multiples of it so the chunks fall in the same places whatever the blocking. The same for
    /// every width: it fixes the order of the sum, so the widths agree bit for bit.
    /// </summary>
    public const int SumChunk = 128;

    /// <summary>Least work worth an item of its own: about 10 µs of one core, several times a thread pool hand-off.</summary>
    private const long MinItemFlops = 1L << 20;

    /// <summary>
    /// Below this many rows a sliver has fewer than about 9 accumulators (rows × the tile's registers): too few
    /// independent FMA chains to cover the latency, so it runs at a fraction of the speed. 27 rows (a 3-sentence
    /// layer call) used to end in slivers of 2 and 1 rows (6 and 3 chains on AVX-512) that took 20 % of the
    /// micro-kernel time for 11 % of the rows.
    /// </summary>
    private const int MinSliverRows = 3;

    /// <summary>
    /// How many items per thread a call whose rows make too few row blocks is cut into, by splitting the columns. Each
    /// column block packs the call's x rows again, and for a few dozen rows that is a large part of its work: one
    /// panel per item spent a quarter of its time packing. Threads take items as they come free, so a worker that
    /// starts late leaves its item to the caller; finer items only help when a thread is interrupted mid-item.
    /// Measured 1 against 4 (2 threads, weights packed, alternating): AVX-512 27 × 384 × 384 320 → 342 GFLOP/s,
    /// 24 × 1536 × 384 367 → 394, 24 × 384 × 1536 373 → 414, 128 × 768 × 768 398 → 415; 256-bit 27 × 384 × 384 176 →
    /// 201; six feed-forward pairs with weights from memory 1.02 → 0.94 ms; calls of many row blocks unchanged.
    /// </summary>
    private const int ItemsPerThread = 1;

    private readonly int _fullSlivers;

    /// <summary>Heights of the one or two slivers after the full ones (0 when absent).</summary>
    private readonly int _tailFirst, _tailSecond;

    private GemmTiling(int rows, int columns, int depth, int degree, GemmShape shape)
    {
        Shape = shape;
        Layout = new GemmPanels(columns, depth, shape);
        Depth = depth;

        // The rows left over form one sliver; fewer than MinSliverRows share two slivers with the last full
        // one instead (9 rows under 8-row tiles: 5 + 4, not 8 + 1).
        int tileRows = shape.TileRows;
        int full = rows / tileRows, rest = rows % tileRows;
        if (rest > 0 && rest < MinSliverRows && full > 0)
        {
            full--;
            rest += tileRows;
            _tailFirst = (rest + 1) / 2;
            _tailSecond = rest / 2;
        }
        else
        {
            _tailFirst = rest;
        }

        _fullSlivers = full;
        Slivers = full + (_tailFirst > 0 ? 1 : 0) + (_tailSecond > 0 ? 1 : 0);

        // Each extra k block stores and reloads C, which measured costlier than W panels and x slivers outgrowing
        // L2 (2048³ on AVX-512: 95 → 101 GFLOP/s going from 768 to 2048 floats), hence a budget, not a cache size.
        int kBlockMax = Math.Max(SumChunk, shape.KBlockBytes / shape.ElementSize / SumChunk * SumChunk);
        int blocks = Math.Max(1, (depth + kBlockMax - 1) / kBlockMax);
        int chunks = (depth + SumChunk - 1) / SumChunk;
        KBlockLength = Math.Max(1, (chunks + blocks - 1) / blocks * SumChunk);
        KBlocks = Math.Max(1, (depth + KBlockLength - 1) / KBlockLength);

        // Row blocks of about RowBlockRows rows (each W panel is fetched from L3 once per block), a whole number
        // per thread, grown (up to 4×) when the columns are so few that a block is too little work to hand out.
        int target = Math.Max(1, shape.RowBlockRows / tileRows);
        // With rows for more than one block, a whole number per thread. With rows for one block only (a few tokens:
        // a layer's call at N·L of a few dozen) and a panel per thread at least, one block: the threads then split
        // the columns, so each W panel is streamed from memory once, by one thread, instead of once per row block
        // (the sentence sample's feed-forward: 2.7 → 1.7 ms on 2 threads).
        int rowBlocks = (Slivers + target - 1) / target;
        if (rowBlocks > 1 || Layout.Count < degree) rowBlocks = ((rowBlocks + degree - 1) / degree) * degree;
        SliversPerBlock = Math.Max(1, (Slivers + rowBlocks - 1) / rowBlocks);
        long sliverFlops = Math.Max(1, 2L * tileRows * columns * depth);
        if (sliverFlops * SliversPerBlock < MinItemFlops)
        {
            SliversPerBlock = (int)Math.Min(4L * SliversPerBlock, (MinItemFlops + sliverFlops - 1) / sliverFlops);
        }

        RowBlocks = (Slivers + SliversPerBlock - 1) / SliversPerBlock;

        // An item per thread, but none so small that waking a worker costs more than it saves; split the columns
        // only when the rows alone don't give enough, since every item over the same rows packs those rows again.
        long flops = 2L * rows * columns * Math.Max(1, depth);
        int wanted = degree > 1 ? (int)Math.Clamp(flops / MinItemFlops, 1, ItemsPerThread * degree) : 1;
        int panels = Layout.Count;
        int columnBlocks = RowBlocks >= wanted ? 1 : Math.Min(panels, (wanted + RowBlocks - 1) / RowBlocks);
        PanelsPerBlock = (panels + columnBlocks - 1) / columnBlocks;
        ColumnBlocks = (panels + PanelsPerBlock - 1) / PanelsPerBlock;
    }

    /// <summary>The width's shape this tiling was planned for.</summary>
    public GemmShape Shape { get; }

    /// <summary>The packed W's panels (the same layout whatever x is).</summary>
    public GemmPanels Layout { get; }

    public int Depth { get; }

    public int Slivers { get; }

    public int KBlocks { get; }

    public int KBlockLength { get; }

    public int SliversPerBlock { get; }

    public int RowBlocks { get; }

    public int PanelsPerBlock { get; }

    public int ColumnBlocks { get; }

    public int Items => RowBlocks * ColumnBlocks;

    /// <summary>Plans a call of <paramref name="rows"/> × <paramref name="columns"/> × <paramref name="depth"/> on <paramref name="degree"/> threads.</summary>
    public static GemmTiling Create(int rows, int columns, int depth, int degree, GemmShape shape) =>
        new(rows, columns, depth, degree, shape);

    /// <summary>First row of sliver <paramref name="sliver"/>; <see cref="Slivers"/> gives the row count.</summary>
    public int SliverStart(int sliver)
    {
        int start = Math.Min(sliver, _fullSlivers) * Shape.TileRows;
        if (sliver > _fullSlivers) start += _tailFirst;
        if (sliver > _fullSlivers + 1) start += _tailSecond;
        return start;
    }

    public int SliverRows(int sliver) => sliver < _fullSlivers ? Shape.TileRows : sliver == _fullSlivers ? _tailFirst : _tailSecond;

    public (int Start, int Length) KBlock(int block)
    {
        int start = block * KBlockLength;
        return (start, Math.Min(KBlockLength, Depth - start));
    }
}
