using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The checks that keep the tiled engine to the contract's answer. The engine's arithmetic differs from
/// the contract's literal order in three ways that are invisible for finite scores and values: the scale
/// rides on q ((scale·q)·k, not scale·(q·k)), the online softmax rescales earlier partial sums by
/// exp(m_old − m_new) (0 · ∞ = NaN where the plain path skips a weight of exactly 0), and tiles whose
/// mask is −∞ everywhere are not computed. Outside that range (a NaN or +∞ score, a non-finite pre-scaled
/// query or attended value, a score that could overflow) the call is flagged
/// (<see cref="FlashProblem{T}.MarkLeftExactRange"/>) and <see cref="FlashEngine{T}"/> recomputes it on the
/// plain path, which follows the contract step by step. Finite inputs of ordinary size never get there.
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
        double max = 0;
        for (int r = 0; r < rows && !double.IsNaN(max); r++)
        {
            max = Math.Max(max, MaxMagnitude(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref first, r * stride), depth)));
        }

        return max;
    }

    /// <summary>max |x| of a whole q, k or v operand of the call (every (n, h) of it, <paramref name="rows"/> rows each).</summary>
    public static double MaxMagnitude(StridedBuffer<T> buffer, int samples, int heads, int rows, int depth)
    {
        double max = 0;
        for (int n = 0; n < samples; n++)
        {
            for (int h = 0; h < heads; h++) max = Math.Max(max, MaxMagnitude(ref buffer.At(n, h), buffer.RowStride, rows, depth));
        }

        return max;
    }

    /// <summary>
    /// Whether a key tile whose mask is −∞ everywhere may be skipped. A boolean mask or the causal rule
    /// assigns −∞, so any score there is dropped; a floating mask is added, and +∞ + (−∞) or NaN + (−∞) is
    /// NaN, which makes the whole row NaN. So an added −∞ tile is skipped only when its scores are provably
    /// finite: finite keys, small enough against the block's largest pre-scaled query value.
    /// </summary>
    public static bool MaySkip(TileMasking masking, double queryMagnitude, ref T keys, nint keyStride, int columns, int depth) =>
        masking == TileMasking.Assigned
        || (masking == TileMasking.Added && ScoresStayFinite(queryMagnitude, MaxMagnitude(ref keys, keyStride, columns, depth), depth));

    /// <summary>
    /// True when a floating mask holds NaN or +∞. Such an entry makes its row NaN, also where the other
    /// mask is −∞ (+∞ + (−∞)), which the tile skipping cannot see: those calls take the plain path.
    /// </summary>
    public static bool MayPoison(Planning.MaskPlan? mask)
    {
        if (mask is null || mask.IsBool || mask.Array.Size == 0) return false;
        using var values = Operand<T>.Of(mask.Array);
        T max = TensorPrimitives.Max(values.Span);
        return T.IsNaN(max) || T.IsPositiveInfinity(max);
    }

    /// <summary>Flags the call when a finished row's softmax sum is NaN (it saw a NaN or +∞ score).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckSum(FlashProblem<T> problem, T sum)
    {
        if (T.IsNaN(sum)) problem.MarkLeftExactRange();
    }

    /// <summary>Flags the call when an attended row holds NaN or ±∞ (a value the plain path might have skipped).</summary>
    public static void CheckRow(FlashProblem<T> problem, ref T row, int depth)
    {
        // x · 0 is 0 for finite x and NaN otherwise; a NaN anywhere makes the sum NaN.
        T probe = T.Zero;
        for (int c = 0; c < depth; c++) probe += Unsafe.Add(ref row, c) * T.Zero;
        if (probe != T.Zero) problem.MarkLeftExactRange();
    }
}
