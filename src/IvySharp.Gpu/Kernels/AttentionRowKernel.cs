using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// Exact fused attention, one group of 32 threads (one warp on CUDA) per query row (n, h, i), for any head width
/// and both compute types: keys in chunks of 32 — each lane scores one key — with an online softmax (running
/// maximum and sum, the accumulators rescaled when the maximum grows), then every lane accumulates Σ w·v for its
/// columns (lane, lane+32, …; four register accumulators, so a head wider than 128 takes one sweep per 128
/// columns). No L × S buffer: the weights, when asked for, are recomputed by <see cref="WeightsKernel"/> from the
/// row statistics this kernel writes.
/// </summary>
/// <remarks>
/// The rules are the CPU's (<see cref="ScoreRules"/>): masks, the −∞ shift of a fully masked row (all zeros), dropout
/// on the same hash positions, and a weight of exactly 0 adding nothing (so 0·NaN in a masked or dropped value row
/// cannot poison the output). Sums run in key order; lane 0 reduces, so the result does not depend on scheduling.
/// </remarks>
internal static class AttentionRowKernel
{
    public const int Lanes = 32, ColumnsPerSweep = 4 * Lanes;

    public static void Run<T, TMath>(
        ArrayView<T> q, ArrayView<T> k, ArrayView<T> v, ArrayView<T> output,
        ArrayView<T> attention, ArrayView<T> padding, ArrayView<T> stats, AttentionArgs<T> a)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        ArrayView<T> scores = SharedMemory.Allocate<T>(Lanes);
        ArrayView<T> weights = SharedMemory.Allocate<T>(Lanes);
        ArrayView<T> shared = SharedMemory.Allocate<T>(3);   // shift, rescale factor, normaliser
        int lane = Group.IdxX, row = Grid.IdxX;
        int i = row % a.L, nh = row / a.L, h = nh % a.H, n = nh / a.H;
        ulong dropoutRow = a.DropoutRow(n, h, i);
        int outAt = a.Out.At(n, h, i);
        T minusInfinity = TMath.NegativeInfinity;
        int sweeps = a.D == 0 ? 1 : (a.D + ColumnsPerSweep - 1) / ColumnsPerSweep;
        for (int sweep = 0; sweep < sweeps; sweep++)
        {
            int c0 = (sweep * ColumnsPerSweep) + lane;
            T acc0 = T.Zero, acc1 = T.Zero, acc2 = T.Zero, acc3 = T.Zero;
            T max = minusInfinity, sum = T.Zero;   // lane 0's running statistics
            for (int j0 = 0; j0 < a.SPrime; j0 += Lanes)
            {
                int count = a.SPrime - j0 < Lanes ? a.SPrime - j0 : Lanes, j = j0 + lane;
                T score = lane < count ? ScoreRules.Score<T, TMath>(a, q, k, attention, padding, n, h, i, j) : minusInfinity;
                scores[lane] = score;
                Group.Barrier();
                if (lane == 0)
                {
                    // The new maximum (NaN wins, as in the CPU's row max); the old sums are rescaled to it, or dropped
                    // (factor 0) while nothing was visible: they are 0 then, and e^(0 − shift) could overflow.
                    T newMax = max;
                    for (int jj = 0; jj < count; jj++)
                    {
                        T s = scores[jj];
                        if (TMath.IsNaN(s) || (!TMath.IsNaN(newMax) && s > newMax)) newMax = s;
                    }

                    T shift = ScoreRules.Shift<T, TMath>(newMax);
                    shared[0] = shift;
                    shared[1] = max == minusInfinity ? T.Zero : TMath.ExpNonPositive(max - shift);
                    max = newMax;
                }

                Group.Barrier();
                T factor = shared[1];
                T p = lane < count ? TMath.ExpNonPositive(score - shared[0]) : T.Zero;
                scores[lane] = p;
                weights[lane] = lane < count ? ScoreRules.Dropout(a, p, dropoutRow + (ulong)j) : T.Zero;
                Group.Barrier();
                if (lane == 0)
                {
                    sum *= factor;
                    for (int jj = 0; jj < count; jj++) sum += scores[jj];
                }

                acc0 *= factor; acc1 *= factor; acc2 *= factor; acc3 *= factor;
                for (int jj = 0; jj < count; jj++)
                {
                    T w = weights[jj];
                    if (w == T.Zero) continue;   // RowRules.Accumulate: a weight of exactly 0 adds nothing
                    int vAt = a.V.At(n, h, j0 + jj);
                    if (c0 < a.D) acc0 = TMath.Fma(w, v[vAt + c0], acc0);
                    if (c0 + Lanes < a.D) acc1 = TMath.Fma(w, v[vAt + c0 + Lanes], acc1);
                    if (c0 + (2 * Lanes) < a.D) acc2 = TMath.Fma(w, v[vAt + c0 + (2 * Lanes)], acc2);
                    if (c0 + (3 * Lanes) < a.D) acc3 = TMath.Fma(w, v[vAt + c0 + (3 * Lanes)], acc3);
                }

                Group.Barrier();
            }

            if (lane == 0)
            {
                T norm = ScoreRules.Normalizer(sum);
                shared[2] = norm;
                if (a.WriteStats != 0 && sweep == 0)
                {
                    stats[2 * row] = ScoreRules.Shift<T, TMath>(max);
                    stats[(2 * row) + 1] = norm;
                }
            }

            Group.Barrier();
            T normalizer = shared[2];
            if (c0 < a.D) output[outAt + c0] = acc0 * normalizer;
            if (c0 + Lanes < a.D) output[outAt + c0 + Lanes] = acc1 * normalizer;
            if (c0 + (2 * Lanes) < a.D) output[outAt + c0 + (2 * Lanes)] = acc2 * normalizer;
            if (c0 + (3 * Lanes) < a.D) output[outAt + c0 + (3 * Lanes)] = acc3 * normalizer;
            Group.Barrier();
        }
    }
}
