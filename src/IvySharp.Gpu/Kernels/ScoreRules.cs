using System.Numerics;
using ILGPU;
using IvySharp.Kernels.Rules;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// The contract's per-score and per-weight rules on the device, one value at a time, in the order of the CPU's
/// <c>RowRules</c>, <c>ScalePlacement</c> and <c>DropoutRule</c> (whose hash is called as it is, so a seeded call
/// drops the same positions). Shared by the attention and weights kernels so both see the same bits.
/// </summary>
internal static class ScoreRules
{
    /// <summary>Score (n, h, i, j) after the scale and the masks (bias and zero columns, j ≥ S, are never masked).</summary>
    public static T Score<T, TMath>(in AttentionArgs<T> a, ArrayView<T> q, ArrayView<T> k, ArrayView<T> attention, ArrayView<T> padding, int n, int h, int i, int j)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        int qAt = a.Q.At(n, h, i), kAt = a.K.At(n, h, j);
        T dot = T.Zero;

        // (queryScale·q_c) rounded, then one FMA chain in feature order: as the CPU's plain core.
        for (int c = 0; c < a.D; c++) dot = TMath.Fma(q[qAt + c] * a.QueryScale, k[kAt + c], dot);
        T score = a.ScalesScores != 0 ? a.Scale * dot : dot;
        if (j >= a.S) return score;

        T minusInfinity = TMath.NegativeInfinity;
        T attend = T.Zero, pad = T.Zero;
        if (a.HasAttention != 0) attend = attention[((a.AttentionPerBatchHead != 0 ? (n * a.H) + h : 0) * a.L * a.S) + (i * a.S) + j];
        if (a.HasPadding != 0) pad = padding[(n * a.S) + j];

        // RowRules.Mask: floating masks added, then −∞ assigned (causal, boolean masks), so NaN at a masked key stays out.
        if (a.HasAttention != 0 && a.AttentionAssigns == 0) score += attend;
        if (a.HasPadding != 0 && a.PaddingAssigns == 0) score += pad;
        if (a.Causal != 0 && j > i) score = minusInfinity;
        if (a.HasAttention != 0 && a.AttentionAssigns != 0 && attend == minusInfinity) score = minusInfinity;
        if (a.HasPadding != 0 && a.PaddingAssigns != 0 && pad == minusInfinity) score = minusInfinity;
        return score;
    }

    /// <summary>RowRules.SoftmaxShift: the row maximum, or 0 when it is −∞ (every score masked).</summary>
    public static T Shift<T, TMath>(T rowMax)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T> => rowMax == TMath.NegativeInfinity ? T.Zero : rowMax;

    /// <summary>RowRules.Normalizer: 1/sum, or 0 for a row with no visible key.</summary>
    public static T Normalizer<T>(T sum)
        where T : unmanaged, INumber<T> => sum == T.Zero ? T.Zero : T.One / sum;

    /// <summary>DropoutRule.Apply for one weight at flat index <paramref name="index"/>.</summary>
    public static T Dropout<T>(in AttentionArgs<T> a, T weight, ulong index)
        where T : unmanaged, INumber<T>
    {
        if (a.DropoutActive == 0) return weight;
        return DropoutHash.Drop(a.Seed, index, a.DropoutProbability) ? T.Zero : weight * a.Keep;
    }
}
