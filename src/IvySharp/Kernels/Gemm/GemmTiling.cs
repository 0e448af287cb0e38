namespace IvySharp.Kernels.Gemm;

/// <summary>
/// How one call is cut up: row slivers (the micro-kernel's rows), column panels (its width), k blocks
/// and the work items the threads share. Depends on the shape and lane width (and, for the item
/// grid only, the thread count); never on the data. No choice here changes a result bit: every
/// element's sum runs over k in order whatever the cut.
/// </summary>
internal sealed class GemmTiling
{
    /// <summary>Bytes of one packed row of the k block: 768 floats, enough for every projection depth up to 768 in one block.</summary>
    private const int KBlockBytes = 3072;

    /// <summary>Rows of A packed together and swept across the panels (≈ 112 · 3 KB, half of a 1 MB L2).</summary>
    private const int RowBlockTarget = 112;

    /// <summary>Least work worth an item of its own: about 10 µs of one core, several times a thread pool hand-off.</summary>
    private const long MinItemFlops = 1L << 20;

    /// <summary>Tile shapes (rows, registers across) the call may pick as its main one; 28 accumulators each at most.</summary>
    private static readonly (int Rows, int Vectors)[] s_mainShapes = [(14, 2), (8, 3)];

    private GemmTiling(int rows, int columns, int depth, int laneWidth, int elementSize, int degree)
    {
        LaneWidth = laneWidth;
        Columns = columns;
        Depth = depth;

        (MainRows, MainVectors) = ChooseShape(rows, columns, laneWidth);
        PanelWidth = MainVectors * laneWidth;
        Panels = (columns + PanelWidth - 1) / PanelWidth;
        SliverStarts = CutRows(rows, MainRows);

        int kBlockMax = Math.Max(1, KBlockBytes / elementSize);
        KBlocks = Math.Max(1, (depth + kBlockMax - 1) / kBlockMax);
        KBlockLength = Math.Max(1, (depth + KBlocks - 1) / KBlocks);

        // Row blocks sized for the cache, grown (up to 4×) when the columns are so few that a block is too little work to hand out.
        SliversPerBlock = Math.Max(1, RowBlockTarget / MainRows);
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

    public int MainRows { get; }

    public int MainVectors { get; }

    /// <summary>Columns of a full panel (main registers across · lane width).</summary>
    public int PanelWidth { get; }

    public int Panels { get; }

    /// <summary>First row of each sliver, plus the row count as a final entry.</summary>
    public int[] SliverStarts { get; }

    public int Slivers => SliverStarts.Length - 1;

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

    public int SliverRows(int sliver) => SliverStarts[sliver + 1] - SliverStarts[sliver];

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

    /// <summary>
    /// Picks the main tile by a small cost model: per k step a tile of r rows × v registers costs its
    /// FMAs (at least 8, the FMAs in flight needed to hide latency) plus its loads.
    /// </summary>
    internal static (int Rows, int Vectors)? ForcedShape { get; set; }

    private static (int Rows, int Vectors) ChooseShape(int rows, int columns, int laneWidth)
    {
        if (ForcedShape is { } forced) return forced;
        (int Rows, int Vectors) best = s_mainShapes[0];
        double bestCost = double.MaxValue;
        foreach ((int r, int v) in s_mainShapes)
        {
            double rowCost = 0;
            int[] starts = CutRows(rows, r);
            for (int s = 0; s + 1 < starts.Length; s++)
            {
                int sliver = starts[s + 1] - starts[s];
                int width = v * laneWidth;
                int fullPanels = columns / width, lastVectors = ((columns % width) + laneWidth - 1) / laneWidth;
                rowCost += fullPanels * TileCost(sliver, v);
                if (lastVectors > 0) rowCost += TileCost(sliver, lastVectors);
            }

            if (rowCost < bestCost)
            {
                bestCost = rowCost;
                best = (r, v);
            }
        }

        return best;

        static double TileCost(int r, int v) => Math.Max(r * v, 8) + (0.5 * (r + v));
    }

    /// <summary>Full slivers of <paramref name="main"/> rows, then the remainder as 8, 4, 2, 1 (each a kernel of its own).</summary>
    private static int[] CutRows(int rows, int main)
    {
        var starts = new List<int>((rows / Math.Max(1, main)) + 6) { 0 };
        int row = 0;
        while (rows - row >= main)
        {
            row += main;
            starts.Add(row);
        }

        foreach (int part in (ReadOnlySpan<int>)[8, 4, 2, 1])
        {
            while (part < main && rows - row >= part)
            {
                row += part;
                starts.Add(row);
            }
        }

        return [.. starts];
    }
}
