using System.Numerics;
using IvySharp.Kernels.Rules;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// One call's attention core as the kernels receive it (a kernel parameter: plain fields, flags as ints): sizes,
/// where q/k/v/attended live, the scale placement, the masks' kinds and the dropout rule — the same parameters the
/// CPU cores read from <c>CoreProblem</c>.
/// </summary>
internal struct AttentionArgs<T>
    where T : unmanaged, INumber<T>
{
    public int N, H, L, S, SPrime, D;
    public Strided Q, K, V, Out;
    public int Causal;

    /// <summary>1 when the scores are multiplied by <see cref="Scale"/> (|scale| &gt; 1, or see <see cref="WithQueryLost"/>), 0 when q is (<c>ScalePlacement</c>).</summary>
    public int ScalesScores;
    public T Scale, QueryScale;
    public int HasAttention, AttentionAssigns, AttentionPerBatchHead, HasPadding, PaddingAssigns;
    public int DropoutActive;
    public double DropoutProbability;
    public ulong Seed;

    /// <summary>1/(1 − p), the factor kept weights get (0 when p = 1).</summary>
    public T Keep;

    /// <summary>1 when the row statistics (softmax shift, normaliser) are written for the weights kernel.</summary>
    public int WriteStats;

    /// <summary>
    /// These arguments with the scale moved onto the scores when <paramref name="lost"/> is nonzero: the flag
    /// <see cref="LayoutKernels.QueryLost"/> sets when scale·q underflowed to ±0 for a nonzero q (the CPU's per-call
    /// <c>ScalePlacement</c> switch). Read on the device, so the host never waits for it.
    /// </summary>
    public readonly AttentionArgs<T> WithQueryLost(int lost)
    {
        AttentionArgs<T> placed = this;
        if (lost != 0)
        {
            placed.ScalesScores = 1;
            placed.QueryScale = T.One;
        }

        return placed;
    }

    /// <summary>Flat index of weight (n, h, i, 0) in the (N, H, L, S′) order the dropout hash is defined on.</summary>
    public readonly ulong DropoutRow(int n, int h, int i) => DropoutRule<float>.RowIndex(n, h, i, H, L, SPrime);
}
