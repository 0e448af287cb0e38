namespace IvySharp.Kernels.Gemm;

/// <summary>
/// The entry points' argument checks: every pointer the kernels form stays inside the spans, checked here once
/// (the offset tables in O(rows + columns)), so the kernels need no checks of their own in Release.
/// </summary>
internal static partial class Gemm<T>
{
    private static void ValidateX(ReadOnlySpan<T> x, int rows, int depth, int xStride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        if (rows > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(xStride, depth);
            if (((long)(rows - 1) * xStride) + depth > x.Length) throw new ArgumentException("x is shorter than rows · xStride.", nameof(x));
        }
    }

    private static void ValidateWeights(ReadOnlySpan<T> w, int columns, int depth, ReadOnlySpan<T> bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)columns * depth > w.Length) throw new ArgumentException("w is shorter than columns · depth.", nameof(w));
        if (!bias.IsEmpty && bias.Length < columns) throw new ArgumentException("bias is shorter than columns.", nameof(bias));
    }

    private static void ValidateDense(int rows, int columns, ReadOnlySpan<T> destination, int destinationStride)
    {
        if (rows == 0 || columns == 0) return;
        ArgumentOutOfRangeException.ThrowIfLessThan(destinationStride, columns);
        if (((long)(rows - 1) * destinationStride) + columns > destination.Length)
        {
            throw new ArgumentException("destination is shorter than rows · destinationStride.", nameof(destination));
        }
    }

    private static void ValidateOffsets(int rows, int columns, ReadOnlySpan<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets)
    {
        if (rowOffsets.Length < rows) throw new ArgumentException("one offset per row is needed.", nameof(rowOffsets));
        if (columnOffsets.Length < columns) throw new ArgumentException("one offset per column is needed.", nameof(columnOffsets));
        if (rows == 0 || columns == 0) return;

        (long lowRow, long highRow) = Range(rowOffsets[..rows]);
        (long lowColumn, long highColumn) = Range(columnOffsets[..columns]);
        if (lowRow + lowColumn < 0 || highRow + highColumn >= destination.Length)
        {
            throw new ArgumentException("an offset points outside the destination.", nameof(destination));
        }

        static (long Low, long High) Range(ReadOnlySpan<int> offsets)
        {
            int low = int.MaxValue, high = int.MinValue;
            foreach (int offset in offsets)
            {
                low = Math.Min(low, offset);
                high = Math.Max(high, offset);
            }

            return (low, high);
        }
    }
}
