using System.Diagnostics;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Element counts of the buffers behind a GEMM job's raw pointers. The pointers lose their spans' lengths
/// (the thread pool's delegates cannot capture spans), so these travel beside them; only the Debug bounds
/// checks of <see cref="GemmBounds"/> read them.
/// </summary>
/// <param name="X">Elements of x.</param>
/// <param name="Weights">Elements of the W the kernels read: the caller's on the plain path, the packed panels on the tiled one.</param>
/// <param name="Bias">Elements of the bias buffer the kernels read (tiled: the padded bias and the zeros after it).</param>
/// <param name="Destination">Elements of the destination.</param>
/// <param name="RowOffsets">Entries of the row offset table (0 for the dense layout).</param>
/// <param name="ColumnOffsets">Entries of the column offset table (0 for the dense layout).</param>
internal readonly record struct GemmExtents(
    long X, long Weights, long Bias, long Destination, int RowOffsets, int ColumnOffsets);

/// <summary>
/// Checked-build bounds checks for the GEMM's pointer paths: each asserts that a region about to be read or
/// written lies inside the buffer its pointer was formed from. <see cref="ConditionalAttribute"/> removes
/// every call, arguments included, from Release builds, so they cost nothing there; in Debug they run at
/// the entry of a panel, sliver or tile (never per multiply-add), so the suite stays quick.
/// </summary>
internal static unsafe class GemmBounds
{
    /// <summary>[start, start + count) lies inside [buffer, buffer + length).</summary>
    [Conditional("DEBUG")]
    public static void Inside<T>(T* start, long count, T* buffer, long length, string what)
        where T : unmanaged
    {
        long offset = start - buffer;
        Debug.Assert(
            count >= 0 && offset >= 0 && offset <= length - count,
            $"{what}: elements [{offset}, {offset + count}) outside the buffer's [0, {length}).");
    }

    /// <summary>
    /// <paramref name="count"/> rows of <paramref name="length"/> elements, <paramref name="stride"/> apart
    /// from <paramref name="start"/>, lie inside the buffer: its first and last element are enough, the rows
    /// between them lie between them.
    /// </summary>
    [Conditional("DEBUG")]
    public static void Strided<T>(T* start, int count, int stride, int length, T* buffer, long bufferLength, string what)
        where T : unmanaged
    {
        Debug.Assert(count >= 0 && length >= 0 && (count <= 1 || stride >= length), $"{what}: {count} rows of {length} at stride {stride} overlap.");
        if (count == 0 || length == 0) return;
        Inside(start, ((long)(count - 1) * stride) + length, buffer, bufferLength, what);
    }

    /// <summary>
    /// A micro-kernel tile: row r's <paramref name="width"/> elements start at c + rowOffsets[r]; every row
    /// lies inside the buffer (a tile's few rows, so this is a handful of compares per tile).
    /// </summary>
    [Conditional("DEBUG")]
    public static void Tile<T>(T* c, int* rowOffsets, int rows, int width, T* buffer, long length, string what)
        where T : unmanaged
    {
        for (int r = 0; r < rows; r++) Inside(c + rowOffsets[r], width, buffer, length, what);
    }

    /// <summary>
    /// Every destination[rowOffsets[r] + columnOffsets[j]] of a scattered tile lies inside the destination.
    /// The lowest and highest column offset bound every sum, so this costs rows + columns, not rows · columns.
    /// </summary>
    [Conditional("DEBUG")]
    public static void Scattered<T>(T* destination, long length, int* rowOffsets, int rows, int* columnOffsets, int columns)
        where T : unmanaged
    {
        if (columns == 0) return;
        long low = long.MaxValue, high = long.MinValue;
        for (int j = 0; j < columns; j++)
        {
            low = Math.Min(low, columnOffsets[j]);
            high = Math.Max(high, columnOffsets[j]);
        }

        for (int r = 0; r < rows; r++)
        {
            Debug.Assert(
                rowOffsets[r] + low >= 0 && rowOffsets[r] + high < length,
                $"scattered tile: row offset {rowOffsets[r]} + column offsets [{low}, {high}] outside the destination's [0, {length}).");
        }
    }
}
