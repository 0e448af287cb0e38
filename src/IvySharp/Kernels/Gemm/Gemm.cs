using System.Numerics;
using System.Runtime.Intrinsics;
using IvySharp.Kernels.Simd;

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
/// <para><see cref="MultiplyTransposed(ReadOnlySpan{T}, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, Span{T}, int, KernelVariant)"/>
/// packs W into k-major panels on every call rather than caching it behind the caller's back. A cache must
/// prove the caller's array unchanged since it was packed; an exact check (compare with a saved copy) measured
/// 0.8 µs against 1.2 µs for packing a 192 × 64 W, and 0.18 ms against 0.33 ms for 2304 × 768: it would save
/// about 7% of a 16 × 192 × 64 call and 0.2% of a 4096-row one, for a second copy of every weight matrix kept
/// alive. A hash is cheaper but can collide silently. Not worth it. A caller that owns its weights and knows
/// when they change packs them once instead (<see cref="Pack"/>) and runs them many times
/// (<see cref="Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>).</para>
/// </remarks>
internal static partial class Gemm<T>
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
        ValidateX(x, rows, depth, xStride);
        ValidateWeights(w, columns, depth, bias);
        ValidateOffsets(rows, columns, destination, rowOffsets, columnOffsets);
        Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets[..rows], columnOffsets[..columns], 0, variant);
    }

    /// <summary>The dense case: destination[r · destinationStride + c] (row-major, rows may be padded).</summary>
    public static void MultiplyTransposed(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, int destinationStride, KernelVariant variant)
    {
        ValidateX(x, rows, depth, xStride);
        ValidateWeights(w, columns, depth, bias);
        ValidateDense(rows, columns, destination, destinationStride);

        Run(x, rows, depth, xStride, w, columns, bias, destination, default, default, destinationStride, variant);
    }

    /// <summary>
    /// Prepares W (columns, depth) and <paramref name="bias"/> once for <paramref name="variant"/> (a width the
    /// processor lacks falls back to the next narrower one), to be run many times with <see cref="Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, int)"/>.
    /// The result copies what it needs: later changes to <paramref name="w"/> or <paramref name="bias"/> do not reach it.
    /// </summary>
    public static PackedWeights<T> Pack(ReadOnlySpan<T> w, int columns, int depth, ReadOnlySpan<T> bias, KernelVariant variant)
    {
        ValidateWeights(w, columns, depth, bias);
        return variant.Algorithm == AttentionAlgorithm.Plain
            ? PackedWeights<T>.Plain(w, columns, depth, bias)
            : PackTiled(w, columns, depth, bias, SimdWidths.Runnable(variant.Width), pooled: false);
    }

    /// <summary>
    /// destination[rowOffsets[r] + columnOffsets[c]] = Σ_k x[r · xStride + k] · w[c · depth + k] + bias[c] with W and
    /// the bias packed beforehand: the same bits as <see cref="MultiplyTransposed(ReadOnlySpan{T}, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int}, KernelVariant)"/>
    /// with the variant <paramref name="packed"/> was made for.
    /// </summary>
    public static void Run(
        PackedWeights<T> packed, ReadOnlySpan<T> x, int rows, int xStride,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets)
    {
        ArgumentNullException.ThrowIfNull(packed);
        ValidateX(x, rows, packed.Depth, xStride);
        ValidateOffsets(rows, packed.Columns, destination, rowOffsets, columnOffsets);
        RunPacked(packed, x, rows, xStride, destination, rowOffsets[..rows], columnOffsets[..packed.Columns], 0);
    }

    /// <summary>The dense case of <see cref="Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>: destination[r · destinationStride + c].</summary>
    public static void Run(PackedWeights<T> packed, ReadOnlySpan<T> x, int rows, int xStride, Span<T> destination, int destinationStride)
    {
        ArgumentNullException.ThrowIfNull(packed);
        ValidateX(x, rows, packed.Depth, xStride);
        ValidateDense(rows, packed.Columns, destination, destinationStride);
        RunPacked(packed, x, rows, xStride, destination, default, default, destinationStride);
    }

    /// <summary>The per-call path: the plain loops, or the width's driver, which packs W as it goes; empty offset tables mean the dense layout.</summary>
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
                GemmDriver<T, Vector512<T>, Simd512<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            case SimdWidth.Vector256:
                GemmDriver<T, Vector256<T>, Simd256<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            case SimdWidth.Vector128:
                GemmDriver<T, Vector128<T>, Simd128<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            default:
                GemmDriver<T, T, ScalarSimd<T>>.Run(x, rows, depth, xStride, w, columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
                break;
        }
    }

    /// <summary>Packs for one runnable width (registration: one case per width).</summary>
    private static PackedWeights<T> PackTiled(ReadOnlySpan<T> w, int columns, int depth, ReadOnlySpan<T> bias, SimdWidth width, bool pooled) => width switch
    {
        SimdWidth.Vector512 => PackedWeights<T>.Pack<Vector512<T>, Simd512<T>>(w, columns, depth, bias, pooled),
        SimdWidth.Vector256 => PackedWeights<T>.Pack<Vector256<T>, Simd256<T>>(w, columns, depth, bias, pooled),
        SimdWidth.Vector128 => PackedWeights<T>.Pack<Vector128<T>, Simd128<T>>(w, columns, depth, bias, pooled),
        _ => PackedWeights<T>.Pack<T, ScalarSimd<T>>(w, columns, depth, bias, pooled),
    };

    /// <summary>Runs on the width the weights were packed for (registration: one case per width).</summary>
    private static void RunPacked(
        PackedWeights<T> packed, ReadOnlySpan<T> x, int rows, int xStride,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets, int destinationStride)
    {
        if (rows == 0 || packed.Columns == 0) return;

        if (packed.Algorithm == AttentionAlgorithm.Plain)
        {
            ReadOnlySpan<T> bias = packed.Bias;
            GemmSimple<T>.Run(x, rows, packed.Depth, xStride, packed.Weights, packed.Columns, bias, destination, rowOffsets, columnOffsets, destinationStride);
            return;
        }

        switch (packed.Width)
        {
            case SimdWidth.Vector512:
                GemmDriver<T, Vector512<T>, Simd512<T>>.Run(packed, x, rows, xStride, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            case SimdWidth.Vector256:
                GemmDriver<T, Vector256<T>, Simd256<T>>.Run(packed, x, rows, xStride, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            case SimdWidth.Vector128:
                GemmDriver<T, Vector128<T>, Simd128<T>>.Run(packed, x, rows, xStride, destination, rowOffsets, columnOffsets, destinationStride);
                break;
            default:
                GemmDriver<T, T, ScalarSimd<T>>.Run(packed, x, rows, xStride, destination, rowOffsets, columnOffsets, destinationStride);
                break;
        }
    }
}
