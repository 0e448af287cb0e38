using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// Exact fused attention for any head width and both compute types: one group of 32 threads (one warp on CUDA) per
/// block of <see cref="Rows"/> query rows of one (n, h). Keys come in chunks of 32 — each lane scores one key against
/// every row of the block, so a key row is read once for the block — with an online softmax per row (running maximum
/// and sum, kept by lane r for row r; the accumulators rescaled when a maximum grows), then every lane accumulates
/// Σ w·v for its columns (lane, lane+32, lane+64, lane+96; a head wider than 128 takes one sweep per 128 columns),
/// reading each value once for the block. Causal blocks stop at their last row's diagonal: keys past it are masked
/// for every row of the block, so skipping them changes no bit. No L × S buffer: the weights, when asked for, are
/// recomputed by <see cref="WeightsKernel"/> from the row statistics written here.
/// </summary>
/// <remarks>
/// The rules are the CPU's (<see cref="ScoreRules"/>): masks, the 0 shift of a fully masked row (all zeros), dropout
/// on the same hash positions, and a weight of exactly 0 adding nothing (0·NaN in a masked or dropped value row
/// cannot poison the output). Sums run in key order, so the result does not depend on scheduling.
/// </remarks>
internal static class AttentionRowKernel
{
    public const int Lanes = 32, Rows = 4, ColumnsPerSweep = 4 * Lanes;

    public static void Run<T, TMath>(
        ArrayView<T> q, ArrayView<T> k, ArrayView<T> v, ArrayView<T> output,
        ArrayView<T> attention, ArrayView<T> padding, ArrayView<T> stats, ArrayView<int> queryLost, AttentionArgs<T> args)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        AttentionArgs<T> a = args.WithQueryLost(queryLost[0]);
        ArrayView<T> scores = SharedMemory.Allocate<T>(Rows * Lanes);
        ArrayView<T> weights = SharedMemory.Allocate<T>(Rows * Lanes);
        ArrayView<T> shared = SharedMemory.Allocate<T>(3 * Rows);   // per row: shift, rescale factor, normaliser
        int lane = Group.IdxX, blocks = (a.L + Rows - 1) / Rows;
        int first = (Grid.IdxX % blocks) * Rows, nh = Grid.IdxX / blocks, h = nh % a.H, n = nh / a.H;
        int last = first + Rows - 1 < a.L ? first + Rows - 1 : a.L - 1;

        // Keys [0, visible) then the bias/zero columns [S, S′): past the block's last row every key is causally masked.
        int visible = a.Causal != 0 && last + 1 < a.S ? last + 1 : a.S;
        T minusInfinity = TMath.NegativeInfinity;
        int sweeps = a.D == 0 ? 1 : (a.D + ColumnsPerSweep - 1) / ColumnsPerSweep;
        for (int sweep = 0; sweep < sweeps; sweep++)
        {
            int c0 = (sweep * ColumnsPerSweep) + lane;
            Accumulators<T> acc0 = default, acc1 = default, acc2 = default, acc3 = default;   // rows first … first+3
            T max = minusInfinity, sum = T.Zero;   // lane r < Rows keeps row first + r's running statistics
            int count;
            for (int j0 = 0; j0 < a.SPrime; j0 += count)
            {
                // Chunks stay inside one region (a run of consecutive columns); the causally masked keys are jumped over.
                if (j0 == visible && visible < a.S) j0 = a.S;
                if (j0 >= a.SPrime) break;
                int regionEnd = j0 < visible ? visible : a.SPrime;
                count = regionEnd - j0 < Lanes ? regionEnd - j0 : Lanes;
                int j = j0 + lane;
                for (int r = 0; r < Rows; r++)
                {
                    int i = first + r;
                    scores[(r * Lanes) + lane] = lane < count && i < a.L ? ScoreRules.Score<T, TMath>(a, q, k, attention, padding, n, h, i, j) : minusInfinity;
                }

                Group.Barrier();
                if (lane < Rows)
                {
                    // Row lane's new maximum (NaN wins, as in the CPU's row max); its old sums are rescaled to it, or
                    // dropped (factor 0) while nothing was visible: they are 0 then, and e^(0 − shift) could overflow.
                    T newMax = max;
                    for (int jj = 0; jj < count; jj++)
                    {
                        T s = scores[(lane * Lanes) + jj];
                        if (TMath.IsNaN(s) || (!TMath.IsNaN(newMax) && s > newMax)) newMax = s;
                    }

                    T shift = ScoreRules.Shift<T, TMath>(newMax);
                    shared[3 * lane] = shift;
                    shared[(3 * lane) + 1] = max == minusInfinity ? T.Zero : TMath.ExpNonPositive(max - shift);
                    max = newMax;
                }

                Group.Barrier();
                for (int r = 0; r < Rows; r++)
                {
                    int i = first + r, slot = (r * Lanes) + lane;
                    T p = lane < count && i < a.L ? TMath.ExpNonPositive(scores[slot] - shared[3 * r]) : T.Zero;
                    scores[slot] = p;
                    weights[slot] = lane < count && i < a.L ? ScoreRules.Dropout(a, p, a.DropoutRow(n, h, i) + (ulong)j) : T.Zero;
                }

                Group.Barrier();
                if (lane < Rows)
                {
                    sum *= shared[(3 * lane) + 1];
                    for (int jj = 0; jj < count; jj++) sum += scores[(lane * Lanes) + jj];
                }

                acc0 = acc0.Scale(shared[1]);
                acc1 = acc1.Scale(shared[4]);
                acc2 = acc2.Scale(shared[7]);
                acc3 = acc3.Scale(shared[10]);
                for (int jj = 0; jj < count; jj++)
                {
                    int vAt = a.V.At(n, h, j0 + jj);
                    var values = Accumulators<T>.Load(v, vAt, c0, a.D);
                    acc0 = acc0.Add<TMath>(weights[jj], values);
                    acc1 = acc1.Add<TMath>(weights[Lanes + jj], values);
                    acc2 = acc2.Add<TMath>(weights[(2 * Lanes) + jj], values);
                    acc3 = acc3.Add<TMath>(weights[(3 * Lanes) + jj], values);
                }

                Group.Barrier();
            }

            if (lane < Rows)
            {
                T norm = ScoreRules.Normalizer(sum);
                shared[(3 * lane) + 2] = norm;
                int row = (nh * a.L) + first + lane;
                if (a.WriteStats != 0 && sweep == 0 && first + lane < a.L)
                {
                    stats[2 * row] = ScoreRules.Shift<T, TMath>(max);
                    stats[(2 * row) + 1] = norm;
                }
            }

            Group.Barrier();
            acc0.Store(output, a.Out.At(n, h, first), c0, a.D, shared[2]);
            if (first + 1 < a.L) acc1.Store(output, a.Out.At(n, h, first + 1), c0, a.D, shared[5]);
            if (first + 2 < a.L) acc2.Store(output, a.Out.At(n, h, first + 2), c0, a.D, shared[8]);
            if (first + 3 < a.L) acc3.Store(output, a.Out.At(n, h, first + 3), c0, a.D, shared[11]);
            Group.Barrier();
        }
    }
}

/// <summary>One lane's sums for one query row: columns c, c+32, c+64, c+96 of a 128-column sweep (registers, not an array).</summary>
internal struct Accumulators<T>
    where T : unmanaged, INumber<T>
{
    public T C0, C1, C2, C3;

    /// <summary>The value row's elements at the lane's columns (0 past the head width).</summary>
    public static Accumulators<T> Load(ArrayView<T> v, int at, int c0, int d) => new()
    {
        C0 = c0 < d ? v[at + c0] : T.Zero,
        C1 = c0 + 32 < d ? v[at + c0 + 32] : T.Zero,
        C2 = c0 + 64 < d ? v[at + c0 + 64] : T.Zero,
        C3 = c0 + 96 < d ? v[at + c0 + 96] : T.Zero,
    };

    public readonly Accumulators<T> Scale(T factor) => new() { C0 = C0 * factor, C1 = C1 * factor, C2 = C2 * factor, C3 = C3 * factor };

    /// <summary>RowRules.Accumulate: + w·value with one rounding, except that a weight of exactly 0 adds nothing.</summary>
    public readonly Accumulators<T> Add<TMath>(T w, Accumulators<T> value)
        where TMath : struct, IDeviceFloat<T> =>
        w == T.Zero ? this : new()
        {
            C0 = TMath.Fma(w, value.C0, C0), C1 = TMath.Fma(w, value.C1, C1), C2 = TMath.Fma(w, value.C2, C2), C3 = TMath.Fma(w, value.C3, C3),
        };

    public readonly void Store(ArrayView<T> output, int at, int c0, int d, T normalizer)
    {
        if (c0 < d) output[at + c0] = C0 * normalizer;
        if (c0 + 32 < d) output[at + c0 + 32] = C1 * normalizer;
        if (c0 + 64 < d) output[at + c0 + 64] = C2 * normalizer;
        if (c0 + 96 < d) output[at + c0 + 96] = C3 * normalizer;
    }
}
