using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// The returned attention weights, recomputed from the row statistics of <see cref="AttentionRowKernel"/>:
/// w = e^(score − shift) · normaliser, then dropout (the CPU's <c>Softmax</c> and <c>DropoutRule</c> order). One
/// thread per returned weight; the head average sums heads 0…H−1 in order and divides by H, as the CPU does.
/// </summary>
internal static class WeightsKernel
{
    /// <summary>Per head: weights[(n, h, i, j)] over N·H·L·S′ threads.</summary>
    public static void PerHead<T, TMath>(
        Index1D index, ArrayView<T> q, ArrayView<T> k, ArrayView<T> attention, ArrayView<T> padding,
        ArrayView<T> stats, ArrayView<T> weights, ArrayView<int> queryLost, AttentionArgs<T> args)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        AttentionArgs<T> a = args.WithQueryLost(queryLost[0]);
        int j = index % a.SPrime, row = index / a.SPrime;
        int i = row % a.L, nh = row / a.L;
        weights[index] = Weight<T, TMath>(a, q, k, attention, padding, stats, nh / a.H, nh % a.H, i, j);
    }

    /// <summary>Averaged: weights[(n, i, j)] over N·L·S′ threads.</summary>
    public static void Averaged<T, TMath>(
        Index1D index, ArrayView<T> q, ArrayView<T> k, ArrayView<T> attention, ArrayView<T> padding,
        ArrayView<T> stats, ArrayView<T> weights, ArrayView<int> queryLost, AttentionArgs<T> args)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        AttentionArgs<T> a = args.WithQueryLost(queryLost[0]);
        int j = index % a.SPrime, row = index / a.SPrime;
        int i = row % a.L, n = row / a.L;
        T total = T.Zero;
        for (int h = 0; h < a.H; h++) total += Weight<T, TMath>(a, q, k, attention, padding, stats, n, h, i, j);
        weights[index] = total / TMath.FromDouble(a.H);
    }

    private static T Weight<T, TMath>(
        in AttentionArgs<T> a, ArrayView<T> q, ArrayView<T> k, ArrayView<T> attention, ArrayView<T> padding,
        ArrayView<T> stats, int n, int h, int i, int j)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        int row = (((n * a.H) + h) * a.L) + i;
        T score = ScoreRules.Score<T, TMath>(a, q, k, attention, padding, n, h, i, j);
        T weight = TMath.ExpNonPositive(score - stats[2 * row]) * stats[(2 * row) + 1];
        return ScoreRules.Dropout(a, weight, a.DropoutRow(n, h, i) + (ulong)j);
    }
}
