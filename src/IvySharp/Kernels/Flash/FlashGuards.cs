using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The checks that keep the tiled engine to the contract's answer. The engine's arithmetic differs from
/// the contract's literal order in three ways that are invisible for finite scores and values: for
/// |scale| ≤ 1 the scale rides on q ((scale·q)·k, not scale·(q·k); see <see cref="CoreProblem{T}.ScalesScores"/>), the online softmax rescales earlier partial sums by
/// exp(m_old − m_new) (0 · ∞ = NaN where the plain path skips a weight of exactly 0), and tiles whose
/// mask is −∞ everywhere are not computed. A query row that leaves that range (a non-finite pre-scaled
/// query, a NaN row sum from a NaN or +∞ score, a non-finite attended value) is marked (<see cref="CoreProblem{T}.MarkInexactScores"/>, or
/// <see cref="CoreProblem{T}.MarkInexactValues"/> when only its values are), and <see cref="FlashRepair{T}"/>
/// recomputes just those rows in the contract's order. Finite inputs of ordinary size never get there,
/// and rows a NaN does not reach keep the bits they have without it.
/// </summary>
internal static class FlashGuards<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// True when no dot product of <paramref name="depth"/> terms |q_c|·|k_c| ≤ q·k magnitudes can overflow:
    /// the exact sum is at most depth·|q|·|k|, and rounding d fused steps grows it by at most (1 + ε)^d &lt; 2.
    /// False for NaN or ∞ magnitudes.
    /// </summary>
    public static bool ScoresStayFinite(double queryMagnitude, double keyMagnitude, int depth) =>
        queryMagnitude * keyMagnitude * depth < LargestFinite / 2;

    // The compute types are float (float32 and float16 calls) and double.
    private static double LargestFinite => typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue;

    /// <summary>max |x| over a contiguous run; NaN when any element is NaN, 0 when empty.</summary>
    public static double MaxMagnitude(ReadOnlySpan<T> values) =>
        values.IsEmpty ? 0 : double.CreateTruncating(T.Abs(TensorPrimitives.MaxMagnitude(values)));

    /// <summary>max |x| over <paramref name="rows"/> rows of <paramref name="depth"/> elements, <paramref name="stride"/> apart.</summary>
    public static double MaxMagnitude(ref T first, nint stride, int rows, int depth)
    {
        // Head-major buffers hold a tile's rows back to back: one vectorised pass instead of a call per row.
        if (stride == depth) return MaxMagnitude(MemoryMarshal.CreateReadOnlySpan(ref first, rows * depth));
        double max = 0;
        for (int r = 0; r < rows && !double.IsNaN(max); r++)
        {
            max = Math.Max(max, MaxMagnitude(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref first, r * stride), depth)));
        }

        return max;
    }

    /// <summary>
    /// Whether a key tile whose mask is −∞ everywhere may be skipped. A boolean mask or the causal rule
    /// assigns −∞, so any score there is dropped; a floating mask is added, and +∞ + (−∞) or NaN + (−∞) is
    /// NaN, which makes the whole row NaN. So an added −∞ tile is skipped only when nothing there can be NaN
    /// or +∞: no such entry in the masks, finite keys (the whole tile's, so the cached size serves every
    /// block, causal cuts included), small enough against the block's largest |scale·q|.
    /// </summary>
    public static bool MaySkip(
        TileMasking masking, FlashMasks<T> masks, double queryMagnitude, int n, int h, int keyTile, ref T keys, nint keyStride, int columns, int depth) =>
        masking == TileMasking.Assigned
        || (masking == TileMasking.Added && !masks.AddsNanOrPositiveInfinity
            && ScoresStayFinite(queryMagnitude, masks.KeyMagnitude(n, h, keyTile, ref keys, keyStride, columns, depth), depth));

    /// <summary>
    /// The largest |score factor| of a packed block (element (r, c) at c·<paramref name="stride"/> + r): max |q|
    /// times the scale wherever it is applied. Marks the block's rows [<paramref name="first"/>, + <paramref name="rows"/>)
    /// of (n, h) that hold NaN or ±∞ (a NaN or ∞ query, or scale·q overflowed).
    /// </summary>
    public static double CheckQueries(CoreProblem<T> p, int n, int h, int first, int rows, ReadOnlySpan<T> packed, int stride) =>
        CheckQueries(p, n, h, first, rows, packed, stride, MaxMagnitude(packed));

    /// <summary>
    /// <see cref="CheckQueries(CoreProblem{T}, int, int, int, int, ReadOnlySpan{T}, int)"/> with max |x| of
    /// <paramref name="packed"/> already known (<paramref name="magnitude"/>: any non-finite value when an element is NaN or ±∞).
    /// </summary>
    public static double CheckQueries(CoreProblem<T> p, int n, int h, int first, int rows, ReadOnlySpan<T> packed, int stride, double magnitude)
    {
        if (!double.IsFinite(magnitude))
        {
            for (int r = 0; r < rows; r++)
            {
                T probe = T.Zero;
                for (int c = 0; c < p.D; c++) probe += packed[(c * stride) + r] * T.Zero;
                if (probe != T.Zero) p.MarkInexactScores(n, h, first + r);
            }
        }

        return p.ScalesScores ? magnitude * double.CreateTruncating(T.Abs(p.Scale)) : magnitude;
    }

    /// <summary>Marks row (n, h, i) when its finished softmax sum is NaN (it saw a NaN or +∞ score).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSum(CoreProblem<T> p, int n, int h, int i, T sum)
    {
        if (T.IsNaN(sum)) p.MarkInexactScores(n, h, i);
    }

    /// <summary>Marks row (n, h, i) when its attended values hold NaN or ±∞ (a value the contract may have skipped).</summary>
    public static void CheckRow(CoreProblem<T> p, int n, int h, int i, ref T row, int depth)
    {
        // x · 0 is 0 for finite x and NaN otherwise; a NaN anywhere makes the sum NaN.
        T probe = T.Zero;
        for (int c = 0; c < depth; c++) probe += Unsafe.Add(ref row, c) * T.Zero;
        if (probe != T.Zero) p.MarkInexactValues(n, h, i);
    }
}
