using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Rules;

/// <summary>Which masks apply to a score, and how (a boolean mask's −∞ is assigned, a floating mask's value added).</summary>
internal readonly record struct MaskKinds(bool HasAttention, bool AttentionAssigns, bool HasPadding, bool PaddingAssigns)
{
    /// <summary>True when some mask applies.</summary>
    public bool Any => HasAttention || HasPadding;
}

/// <summary>
/// The contract's per-score and per-weight rules, written once over a SIMD width so that every path uses
/// the same definition: the tiled core on whole registers, the plain rows, the narrow core and the repair on
/// <see cref="ScalarSimd{T}"/> (one lane, the same arithmetic).
/// </summary>
internal static class RowRules<T, TVector, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    /// <summary>
    /// A score after the masks, in the contract's order: floating masks added (attention, then key padding),
    /// then −∞ assigned above the causal diagonal (<paramref name="aboveDiagonal"/> lanes) and wherever a boolean
    /// mask masks out. Assigning rather than adding −∞ means a NaN or +∞ score at a masked key cannot leak into
    /// the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Mask(TVector score, TVector attention, TVector padding, bool causal, TVector aboveDiagonal, MaskKinds kinds)
    {
        TVector minusInfinity = TSimd.Splat(T.NegativeInfinity);
        if (kinds.HasAttention && !kinds.AttentionAssigns) score = TSimd.Add(score, attention);
        if (kinds.HasPadding && !kinds.PaddingAssigns) score = TSimd.Add(score, padding);
        if (causal) score = TSimd.Select(aboveDiagonal, minusInfinity, score);
        if (kinds.HasAttention && kinds.AttentionAssigns) score = TSimd.Select(TSimd.Equals(attention, minusInfinity), minusInfinity, score);
        if (kinds.HasPadding && kinds.PaddingAssigns) score = TSimd.Select(TSimd.Equals(padding, minusInfinity), minusInfinity, score);
        return score;
    }

    /// <summary>
    /// What exp subtracts from a row's scores: the row maximum, or 0 where the maximum is −∞ (every score
    /// masked): then every weight is e^−∞ = 0 instead of NaN from −∞ − (−∞).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector SoftmaxShift(TVector rowMax) =>
        TSimd.Select(TSimd.Equals(rowMax, TSimd.Splat(T.NegativeInfinity)), TSimd.Zero, rowMax);

    /// <summary>
    /// The factor a row's unnormalised weights are multiplied by: 1/sum, or 0 for a row with no visible
    /// key (sum 0), which the contract makes all zeros rather than NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Normalizer(T sum) => sum == T.Zero ? T.Zero : T.One / sum;

    /// <summary>Lanes whose weight is exactly 0 (masked, dropped or underflowed): see <see cref="Accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ZeroWeights(TVector weight) => TSimd.Equals(weight, TSimd.Zero);

    /// <summary>
    /// accumulator + weight · value with one rounding, except in the <paramref name="zeroWeights"/> lanes
    /// (<see cref="ZeroWeights"/> of the weight): a weight of exactly 0 contributes nothing, even against a NaN
    /// or ∞ value (0 · NaN would poison the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Accumulate(TVector weight, TVector value, TVector accumulator, TVector zeroWeights) =>
        TSimd.Select(zeroWeights, accumulator, TSimd.MultiplyAdd(weight, value, accumulator));
}
