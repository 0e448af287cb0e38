using System.Runtime.Intrinsics;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Simd;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// The GEMM's tiling takes the tile shape from the width: any shape a width may declare cuts the rows into
/// slivers the dispatch has kernels for, each row once; and each width's declared tile fits what it says.
/// </summary>
public sealed class GemmTilingTests
{
    [Theory]
    [InlineData(8, 3)]
    [InlineData(6, 2)]
    [InlineData(5, 1)]
    [InlineData(4, 4)]
    [InlineData(1, 1)]
    public void Slivers_cover_every_row_once_in_tile_rows_and_no_sliver_under_three_rows_follows_a_full_one(int tileRows, int tileVectors)
    {
        var shape = new GemmShape(Lanes: 16, ElementSize: 4, tileRows, tileVectors, KBlockBytes: 8192, RowBlockRows: 224);
        for (int rows = 1; rows <= (3 * tileRows) + 7; rows++) // no call reaches the tiling with 0 rows
        {
            foreach (int degree in new[] { 1, 2, 5 })
            {
                GemmTiling tiling = GemmTiling.Create(rows, 100, 64, degree, shape);
                int next = 0;
                for (int s = 0; s < tiling.Slivers; s++)
                {
                    int height = tiling.SliverRows(s);
                    Assert.Equal(next, tiling.SliverStart(s));
                    // Every height has a kernel (1 to the tile rows); a short one only where the rows are fewer than a tile.
                    Assert.True(height >= 1 && height <= tileRows, $"{tileRows}-row tiles, {rows} rows: a sliver of {height}");
                    Assert.True(height >= Math.Min(3, tileRows) || rows < tileRows || height * 2 >= tileRows,
                        $"{tileRows}-row tiles, {rows} rows: a sliver of {height} after a full one");
                    next += height;
                }

                Assert.Equal(rows, next);
                Assert.Equal(rows, tiling.SliverStart(tiling.Slivers));
            }
        }
    }

    [Theory]
    [InlineData(27, new[] { 8, 8, 8, 3 })]
    [InlineData(9, new[] { 5, 4 })]
    [InlineData(10, new[] { 5, 5 })]
    [InlineData(17, new[] { 8, 5, 4 })]
    [InlineData(12, new[] { 8, 4 })]
    [InlineData(7, new[] { 7 })]
    [InlineData(2, new[] { 2 })]
    [InlineData(16, new[] { 8, 8 })]
    public void Rows_left_over_form_one_sliver_or_share_two_with_the_last_full_one(int rows, int[] heights)
    {
        var shape = new GemmShape(Lanes: 16, ElementSize: 4, TileRows: 8, TileVectors: 3, KBlockBytes: 8192, RowBlockRows: 224);
        GemmTiling tiling = GemmTiling.Create(rows, 384, 384, 2, shape);
        Assert.Equal(heights, Enumerable.Range(0, tiling.Slivers).Select(tiling.SliverRows).ToArray());
    }

    [Fact]
    public void The_widest_widths_tile_fits_its_registers()
    {
        // The narrower widths keep AVX-512's 8 × 3 tile for now (tuning them is a later change), so only this one is asserted.
        GemmShape shape = GemmShape.Of<float, Vector512<float>, Simd512<float>>();
        Assert.True(shape.TileRegisters <= Simd512<float>.Registers, $"{shape.TileRegisters} registers for a {shape.TileRows} × {shape.TileVectors} tile");
    }

    [Fact]
    public void Packed_panels_are_the_tile_width_and_end_on_whole_registers()
    {
        GemmShape shape = GemmShape.Of<float, Vector256<float>, Simd256<float>>();
        var panels = new GemmPanels(columns: 50, depth: 7, shape);
        Assert.Equal(shape.TileVectors * 8, panels.PanelWidth);
        Assert.Equal(3, panels.Count);
        Assert.Equal(2, panels.ColumnsOf(2));
        Assert.Equal(1, panels.VectorsOf(2)); // the last panel's 2 columns take one register, not three
        Assert.Equal(56L * 7, panels.PackedLength);
    }
}
