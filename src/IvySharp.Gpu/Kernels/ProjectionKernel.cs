using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// The shape and addressing of one projection y = x·Wᵀ + b (W laid out (Cols, K), as the contract's weights).
/// Input row r = (n, t) starts at <c>InOffset + n·InSample + t·InRow</c> with its K features contiguous; output
/// element (r, c) goes to <c>OutOffset + n·OutSample + t·OutRow + (c / HeadWidth)·OutHead + c mod HeadWidth</c>, so
/// the same kernel scatters q/k/v into head-major scratch (HeadWidth = d) and writes the final output in the call's
/// layout (HeadWidth = O).
/// </summary>
internal readonly record struct GemmShape(
    int Rows, int Tokens, int K, int Cols,
    int InOffset, int InSample, int InRow,
    int OutOffset, int OutSample, int OutRow, int OutHead, int HeadWidth,
    int WeightOffset, int BiasOffset, int HasBias);

/// <summary>
/// Exact (SIMT FMA) tiled GEMM: a group of 256 threads computes a 64 × 64 output tile, staging 64 × 16 panels of x
/// and W in shared memory (transposed, so the inner loop reads a broadcast and a contiguous run); each thread keeps
/// a 4 × 4 block of sums in registers (named locals, never a local array). Every output is one FMA chain in k order
/// plus the bias, so the result does not depend on the tiling.
/// </summary>
internal static class ProjectionKernel
{
    public const int Tile = 64, Depth = 16, Threads = 256;

    public static void Run<T, TMath>(ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y, GemmShape s)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        ArrayView<T> xs = SharedMemory.Allocate<T>(Tile * Depth);
        ArrayView<T> ws = SharedMemory.Allocate<T>(Tile * Depth);
        int tid = Group.IdxX, tx = tid % 16, ty = tid / 16;
        int col0 = Grid.IdxX * Tile, row0 = Grid.IdxY * Tile;
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero, c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero, c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int k0 = 0; k0 < s.K; k0 += Depth)
        {
            for (int u = 0; u < Tile * Depth / Threads; u++)
            {
                // Consecutive threads read consecutive k of one row: coalesced on both operands.
                int e = tid + (Threads * u), r = e / Depth, kk = e - (r * Depth), k = k0 + kk;
                int row = row0 + r, col = col0 + r;
                xs[(kk * Tile) + r] = row < s.Rows && k < s.K ? x[InputAt(s, row) + k] : T.Zero;
                ws[(kk * Tile) + r] = col < s.Cols && k < s.K ? w[s.WeightOffset + (col * s.K) + k] : T.Zero;
            }

            Group.Barrier();
            for (int kk = 0; kk < Depth; kk++)
            {
                int at = kk * Tile;
                T a0 = xs[at + ty], a1 = xs[at + ty + 16], a2 = xs[at + ty + 32], a3 = xs[at + ty + 48];
                T b0 = ws[at + tx], b1 = ws[at + tx + 16], b2 = ws[at + tx + 32], b3 = ws[at + tx + 48];
                c00 = TMath.Fma(a0, b0, c00); c01 = TMath.Fma(a0, b1, c01); c02 = TMath.Fma(a0, b2, c02); c03 = TMath.Fma(a0, b3, c03);
                c10 = TMath.Fma(a1, b0, c10); c11 = TMath.Fma(a1, b1, c11); c12 = TMath.Fma(a1, b2, c12); c13 = TMath.Fma(a1, b3, c13);
                c20 = TMath.Fma(a2, b0, c20); c21 = TMath.Fma(a2, b1, c21); c22 = TMath.Fma(a2, b2, c22); c23 = TMath.Fma(a2, b3, c23);
                c30 = TMath.Fma(a3, b0, c30); c31 = TMath.Fma(a3, b1, c31); c32 = TMath.Fma(a3, b2, c32); c33 = TMath.Fma(a3, b3, c33);
            }

            Group.Barrier();
        }

        Store(y, bias, s, row0 + ty, col0 + tx, c00, c01, c02, c03);
        Store(y, bias, s, row0 + ty + 16, col0 + tx, c10, c11, c12, c13);
        Store(y, bias, s, row0 + ty + 32, col0 + tx, c20, c21, c22, c23);
        Store(y, bias, s, row0 + ty + 48, col0 + tx, c30, c31, c32, c33);
    }

    /// <summary>Where input row <paramref name="row"/> = (n, t) starts.</summary>
    public static int InputAt(GemmShape s, int row)
    {
        int n = row / s.Tokens, t = row - (n * s.Tokens);
        return s.InOffset + (n * s.InSample) + (t * s.InRow);
    }

    /// <summary>Where output element (<paramref name="row"/>, <paramref name="col"/>) goes.</summary>
    public static int OutputAt(GemmShape s, int row, int col)
    {
        int n = row / s.Tokens, t = row - (n * s.Tokens), head = col / s.HeadWidth;
        return s.OutOffset + (n * s.OutSample) + (t * s.OutRow) + (head * s.OutHead) + (col - (head * s.HeadWidth));
    }

    // One output row's four columns col, col+16, col+32, col+48, plus the bias.
    private static void Store<T>(ArrayView<T> y, ArrayView<T> bias, GemmShape s, int row, int col, T v0, T v1, T v2, T v3)
        where T : unmanaged, INumber<T>
    {
        if (row >= s.Rows) return;
        StoreOne(y, bias, s, row, col, v0);
        StoreOne(y, bias, s, row, col + 16, v1);
        StoreOne(y, bias, s, row, col + 32, v2);
        StoreOne(y, bias, s, row, col + 48, v3);
    }

    private static void StoreOne<T>(ArrayView<T> y, ArrayView<T> bias, GemmShape s, int row, int col, T value)
        where T : unmanaged, INumber<T>
    {
        if (col >= s.Cols) return;
        y[OutputAt(s, row, col)] = s.HasBias != 0 ? value + bias[s.BiasOffset + col] : value;
    }
}
