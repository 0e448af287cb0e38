using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// What the GEMM's tiling needs to know about one width: its lanes, the element size and the kernel shape the
/// width declares (<see cref="ISimd{T, TVector}"/>'s shape members). Tiling takes it as a parameter, so no
/// tile size is a constant of the GEMM.
/// </summary>
/// <param name="Lanes">Elements per register.</param>
/// <param name="ElementSize">Bytes per element.</param>
/// <param name="TileRows">Rows of the micro-tile.</param>
/// <param name="TileVectors">Registers across the micro-tile.</param>
/// <param name="KBlockBytes">Bytes of one packed row of x per k block.</param>
/// <param name="RowBlockRows">Rows of x packed together and swept across the panels.</param>
internal readonly record struct GemmShape(int Lanes, int ElementSize, int TileRows, int TileVectors, int KBlockBytes, int RowBlockRows)
{
    /// <summary>Columns of a full W panel.</summary>
    public int PanelWidth => TileVectors * Lanes;

    /// <summary>Registers the micro-tile keeps live: its accumulators, one row of the W panel and the broadcast of x.</summary>
    public int TileRegisters => (TileRows * TileVectors) + TileVectors + 1;

    /// <summary>The shape <typeparamref name="TSimd"/> declares for elements of <typeparamref name="T"/>.</summary>
    public static GemmShape Of<T, TVector, TSimd>()
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVector : struct
        where TSimd : ISimd<T, TVector> =>
        new(TSimd.Count, Unsafe.SizeOf<T>(), TSimd.GemmTileRows, TSimd.GemmTileVectors, TSimd.GemmKBlockBytes, TSimd.GemmRowBlockRows);
}

/// <summary>
/// How W is laid out once packed: column panels of <see cref="PanelWidth"/> columns, each stored k-major
/// ([k][panel width]) from element <see cref="Start"/>(p) · depth; the last panel is only as many registers wide
/// as its columns need (the rest of its last register is zeros). Depends on W's shape and the width only, never
/// on x or the thread count, so one packing serves every call.
/// </summary>
/// <param name="Columns">Columns of W (output features).</param>
/// <param name="Depth">Elements per column (the summed dimension).</param>
/// <param name="Lanes">Elements per register.</param>
/// <param name="PanelWidth">Columns of a full panel (a whole number of registers).</param>
internal readonly record struct GemmPanels(int Columns, int Depth, int Lanes, int PanelWidth)
{
    public GemmPanels(int columns, int depth, GemmShape shape)
        : this(columns, depth, shape.Lanes, shape.PanelWidth)
    {
    }

    /// <summary>Number of panels.</summary>
    public int Count => (Columns + PanelWidth - 1) / PanelWidth;

    /// <summary>Columns of every panel at full width: the length of the padded bias.</summary>
    public int PaddedColumns => Count * PanelWidth;

    /// <summary>Packed elements: every column rounded up to whole registers, times the depth.</summary>
    public long PackedLength => (long)((Columns + Lanes - 1) / Lanes) * Lanes * Depth;

    /// <summary>First column of panel <paramref name="panel"/>; its packed data starts at Start · depth.</summary>
    public int Start(int panel) => panel * PanelWidth;

    /// <summary>Columns of the panel that exist (the rest of its last register is zero padding).</summary>
    public int ColumnsOf(int panel) => Math.Min(PanelWidth, Columns - Start(panel));

    /// <summary>Registers across the panel: the full count, fewer for a narrow last panel.</summary>
    public int VectorsOf(int panel) => (ColumnsOf(panel) + Lanes - 1) / Lanes;
}
