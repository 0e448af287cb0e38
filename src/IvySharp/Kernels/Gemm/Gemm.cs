using System.Numerics;
using System.Runtime.Intrinsics;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// The projection GEMM: y = x·Wᵀ + b with W laid out (columns, depth) as PyTorch stores a Linear's
/// weight, written through row and column offset tables so the caller can scatter straight into
/// any layout (e.g. head-major (N, H, tokens, d)).
/// </summary>
/// <remarks>
/// <para>Every output element is summed in one fixed order: k in chunks of <see cref="GemmTiling.SumChunk"/>,
/// each chunk a chain s = fma(x[k], w[k], s) from zero, folded into the total (total + s), then
/// total + bias. Every variant (scalar included) keeps that order whatever the tiling or thread count,
/// so results are bit-identical across <see cref="KernelVariant"/>s and degrees of parallelism.</para>
/// <para>W is packed into k-major panels on every call rather than cached. A cache must prove the
/// caller's array unchanged since it was packed; an exact check (compare with a saved copy) measured
/// 0.8 µs against 1.2 µs for packing a 192 × 64 W, and 0.18 ms against 0.33 ms for 2304 × 768: it
/// would save about 7% of a 16 × 192 × 64 call and 0.2% of a 4096-row one, for a second copy of
/// every weight matrix kept alive. A hash is cheaper but can collide silently. Not worth it.</para>
/// </remarks>
internal static class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// destination[rowOffsets[r] + columnOffsets[c]] = Σ_k x[r · xStride + k] · w[c · depth + k] + (bias.IsEmpty ? 0 : bias[c]).
    /// </summary>
    /// <param name="x">Input rows, <paramref name="rows"/> of them, <paramref name="xStride"/> apart.</param>
    /// <param name="rows">Rows of x (and of the result).</param>
    /// <param name="depth">Features per input row (the summed dimension).</param>
    /// <param name="xStride">Elements between consecutive rows of x (≥ depth).</param>
    /// <param name="w">Weights, (columns, depth) row-major.</param>
    /// <param name="columns">Output features.</param>
    /// <param name="bias">Empty, or one value per column.</param>
    /// <param name="destination">Receives the result; must not overlap x or w.</param>
    /// <param name="rowOffsets">Where each result row starts in <paramref name="destination"/>.</param>
    /// <param name="columnOffsets">
    /// Offset of each column from its row's start; runs of consecutive offsets are stored as vectors.
    /// No two (row, column) pairs may land on the same element (threads write their tiles concurrently).
    /// </param>
    /// <param name="variant">The compute path; a width the processor lacks falls back to the next narrower one.</param>
    public static void MultiplyTransposed(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets,
        KernelVariant variant)
    {
        Validate(x, rows, depth, xStride, w, columns, bias);
        ValidateOffsets(rows, columns, destination.Length, rowOffsets, columnOffsets);
        Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets[..rows], columnOffsets[..columns], 0, variant);
    }

    /// <summary>The dense case: destination[r · destinationStride + c] (row-major, rows may be padded).</summary>
    public static void MultiplyTransposed(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, int destinationStride, KernelVariant variant)
    {
        Validate(x, rows, depth, xStride, w, columns, bias);
        if (rows > 0 && columns > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(destinationStride, columns);
            if (((long)(rows - 1) * destinationStride) + columns > destination.Length)
            {
                throw new ArgumentException("destination is shorter than rows · destinationStride.", nameof(destination));
            }
        }

        Run(x, rows, depth, xStride, w, columns, bias, destination, default, default, destinationStride, variant);
    }

    /// <summary>Picks the variant's path; empty offset tables mean the dense layout.</summary>
    private static void Run(
        ReadOnlySpan<T> x, int rows, int depth, int xStride, ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride, KernelVariant variant)
    {
        if (rows == 0 || columns == 0) return;

        if (variant.Algorithm == AttentionAlgorithm.Plain)
        {
            GemmSimple<T>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
            return;
        }

        switch (SimdWidths.Runnable(variant.Width))
        {
            case SimdWidth.Vector512:
                GemmDriver<T, Vector512<T>, Lane512<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride, true);
                break;
            case SimdWidth.Vector256:
                GemmDriver<T, Vector256<T>, Lane256<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride, true);
                break;
            case SimdWidth.Vector128:
                GemmDriver<T, Vector128<T>, Lane128<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride, true);
                break;
            default:
                GemmDriver<T, T, LaneScalar<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride, false);
                break;
        }
    }

    /// <summary>Every pointer the kernels form stays inside the spans: checked here once (offsets in O(rows + columns)).</summary>
    private static void Validate(
        ReadOnlySpan<T> x, int rows, int depth, int xStride, ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rows > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(xStride, depth);
            if (((long)(rows - 1) * xStride) + depth > x.Length) throw new ArgumentException("x is shorter than rows · xStride.", nameof(x));
        }

        if ((long)columns * depth > w.Length) throw new ArgumentException("w is shorter than columns · depth.", nameof(w));
        if (!bias.IsEmpty && bias.Length < columns) throw new ArgumentException("bias is shorter than columns.", nameof(bias));
    }

    private static void ValidateOffsets(int rows, int columns, int destinationLength, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets)
    {
        if (rowOffsets.Length < rows) throw new ArgumentException("one offset per row is needed.", nameof(rowOffsets));
        if (columnOffsets.Length < columns) throw new ArgumentException("one offset per column is needed.", nameof(columnOffsets));
        if (rows == 0 || columns == 0) return;

        (long lowRow, long highRow) = Range(rowOffsets[..rows]);
        (long lowColumn, long highColumn) = Range(columnOffsets[..columns]);
        if (lowRow + lowColumn < 0 || highRow + highColumn >= destinationLength)
        {
            throw new ArgumentException("an offset points outside the destination.", "destination");
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
