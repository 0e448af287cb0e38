using ILGPU;

namespace IvySharp.Gpu.Kernels.TensorCores;

/// <summary>
/// The projection y = x·Wᵀ + b (same <see cref="GemmShape"/> addressing as <see cref="ProjectionKernel"/>) on the
/// tensor cores: a group of 4 warps computes a 64 × 32 output tile; per step of k (8 for TF32, 16 for float16)
/// the group stages a 64 × k panel of x and a 32 × k panel of W in shared memory (zero-padded at the edges), each
/// warp loads its 16-row A fragment once and four 8-column B fragments, and adds the four
/// <see cref="IMmaUnit.Product"/>s into register accumulators. Inputs are rounded to the unit's type when the
/// fragments are built (TF32 or float16); sums are float32.
/// </summary>
internal static class TensorCoreGemm
{
    public const int Rows = 64, Cols = 32, Threads = 128, MaxK = 16;

    public static void Run<TUnit>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, GemmShape s)
        where TUnit : struct, IMmaUnit
    {
        ArrayView<float> xs = SharedMemory.Allocate<float>(Rows * MaxK);
        ArrayView<float> ws = SharedMemory.Allocate<float>(Cols * MaxK);
        int tid = Group.IdxX, lane = tid & 31, warp = tid >> 5;
        int col0 = Grid.IdxX * Cols, row0 = Grid.IdxY * Rows;
        int step = TUnit.K;
        Accumulator c0 = default, c1 = default, c2 = default, c3 = default;
        for (int k0 = 0; k0 < s.K; k0 += step)
        {
            for (int e = tid; e < Rows * step; e += Threads)
            {
                int r = e / step, kk = e - (r * step), k = k0 + kk, row = row0 + r;
                xs[(r * MaxK) + kk] = row < s.Rows && k < s.K ? x[ProjectionKernel.InputAt(s, row) + k] : 0f;
            }

            for (int e = tid; e < Cols * step; e += Threads)
            {
                int n = e / step, kk = e - (n * step), k = k0 + kk, col = col0 + n;
                ws[(n * MaxK) + kk] = col < s.Cols && k < s.K ? w[s.WeightOffset + (col * s.K) + k] : 0f;
            }

            Group.Barrier();
            FragmentA a = TUnit.LoadA(xs, MaxK, warp * 16, lane);
            c0 += TUnit.Product(a, TUnit.LoadB(ws, MaxK, 0, lane));
            c1 += TUnit.Product(a, TUnit.LoadB(ws, MaxK, 8, lane));
            c2 += TUnit.Product(a, TUnit.LoadB(ws, MaxK, 16, lane));
            c3 += TUnit.Product(a, TUnit.LoadB(ws, MaxK, 24, lane));
            Group.Barrier();
        }

        int rowBase = row0 + (warp * 16);
        Store(y, bias, s, rowBase, col0, lane, c0);
        Store(y, bias, s, rowBase, col0 + 8, lane, c1);
        Store(y, bias, s, rowBase, col0 + 16, lane, c2);
        Store(y, bias, s, rowBase, col0 + 24, lane, c3);
    }

    // The accumulator's four elements go where MmaLayout.C puts them in the 16 × 8 tile at (rowBase, colBase).
    private static void Store(ArrayView<float> y, ArrayView<float> bias, GemmShape s, int rowBase, int colBase, int lane, Accumulator c)
    {
        StoreOne(y, bias, s, rowBase, colBase, MmaLayout.C(lane, 0), c.D0);
        StoreOne(y, bias, s, rowBase, colBase, MmaLayout.C(lane, 1), c.D1);
        StoreOne(y, bias, s, rowBase, colBase, MmaLayout.C(lane, 2), c.D2);
        StoreOne(y, bias, s, rowBase, colBase, MmaLayout.C(lane, 3), c.D3);
    }

    private static void StoreOne(ArrayView<float> y, ArrayView<float> bias, GemmShape s, int rowBase, int colBase, (int Row, int Col) at, float value)
    {
        int row = rowBase + at.Row, col = colBase + at.Col;
        if (row >= s.Rows || col >= s.Cols) return;
        y[ProjectionKernel.OutputAt(s, row, col)] = s.HasBias != 0 ? value + bias[s.BiasOffset + col] : value;
    }
}
