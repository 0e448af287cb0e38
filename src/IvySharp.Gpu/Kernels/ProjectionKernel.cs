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
/// Exact (SIMT FMA) tiled GEMM: a group of 256 threads (16 × 16) computes a 128 × 128 output tile, staging 128 × 8
/// panels of x and W in shared memory (transposed, so the inner loop reads broadcasts and contiguous runs); each
/// thread keeps an 8 × 8 block of sums in registers — rows ty + 16i, columns tx + 16j, named locals, never a local
/// array (tools/gpu/gen_projection_kernel.py prints them) — so every shared load feeds 8 FMAs. Every
/// output is one FMA chain in k order plus the bias, so the result does not depend on the tiling.
/// </summary>
internal static class ProjectionKernel
{
    public const int Tile = 128, Depth = 8, Threads = 256;

    public static void Run<T, TMath>(ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y, GemmShape s)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        ArrayView<T> xs = SharedMemory.Allocate<T>(Tile * Depth);
        ArrayView<T> ws = SharedMemory.Allocate<T>(Tile * Depth);
        int tid = Group.IdxX, tx = tid % 16, ty = tid / 16;
        int col0 = Grid.IdxX * Tile, row0 = Grid.IdxY * Tile;
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero, c04 = T.Zero, c05 = T.Zero, c06 = T.Zero, c07 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero, c14 = T.Zero, c15 = T.Zero, c16 = T.Zero, c17 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero, c24 = T.Zero, c25 = T.Zero, c26 = T.Zero, c27 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero, c34 = T.Zero, c35 = T.Zero, c36 = T.Zero, c37 = T.Zero;
        T c40 = T.Zero, c41 = T.Zero, c42 = T.Zero, c43 = T.Zero, c44 = T.Zero, c45 = T.Zero, c46 = T.Zero, c47 = T.Zero;
        T c50 = T.Zero, c51 = T.Zero, c52 = T.Zero, c53 = T.Zero, c54 = T.Zero, c55 = T.Zero, c56 = T.Zero, c57 = T.Zero;
        T c60 = T.Zero, c61 = T.Zero, c62 = T.Zero, c63 = T.Zero, c64 = T.Zero, c65 = T.Zero, c66 = T.Zero, c67 = T.Zero;
        T c70 = T.Zero, c71 = T.Zero, c72 = T.Zero, c73 = T.Zero, c74 = T.Zero, c75 = T.Zero, c76 = T.Zero, c77 = T.Zero;
        for (int k0 = 0; k0 < s.K; k0 += Depth)
        {
            for (int u = 0; u < Tile * Depth / Threads; u++)
            {
                // Consecutive threads read consecutive k of one row: 32-byte runs on both operands.
                int e = tid + (Threads * u), r = e / Depth, kk = e - (r * Depth), k = k0 + kk;
                int row = row0 + r, col = col0 + r;
                xs[(kk * Tile) + r] = row < s.Rows && k < s.K ? x[InputAt(s, row) + k] : T.Zero;
                ws[(kk * Tile) + r] = col < s.Cols && k < s.K ? w[s.WeightOffset + (col * s.K) + k] : T.Zero;
            }

            Group.Barrier();
            for (int kk = 0; kk < Depth; kk++)
            {
                int at = kk * Tile;
                T a0 = xs[at + ty + 0], a1 = xs[at + ty + 16], a2 = xs[at + ty + 32], a3 = xs[at + ty + 48], a4 = xs[at + ty + 64], a5 = xs[at + ty + 80], a6 = xs[at + ty + 96], a7 = xs[at + ty + 112];
                T b0 = ws[at + tx + 0], b1 = ws[at + tx + 16], b2 = ws[at + tx + 32], b3 = ws[at + tx + 48], b4 = ws[at + tx + 64], b5 = ws[at + tx + 80], b6 = ws[at + tx + 96], b7 = ws[at + tx + 112];
                c00 = TMath.Fma(a0, b0, c00); c01 = TMath.Fma(a0, b1, c01); c02 = TMath.Fma(a0, b2, c02); c03 = TMath.Fma(a0, b3, c03);
                c04 = TMath.Fma(a0, b4, c04); c05 = TMath.Fma(a0, b5, c05); c06 = TMath.Fma(a0, b6, c06); c07 = TMath.Fma(a0, b7, c07);
                c10 = TMath.Fma(a1, b0, c10); c11 = TMath.Fma(a1, b1, c11); c12 = TMath.Fma(a1, b2, c12); c13 = TMath.Fma(a1, b3, c13);
                c14 = TMath.Fma(a1, b4, c14); c15 = TMath.Fma(a1, b5, c15); c16 = TMath.Fma(a1, b6, c16); c17 = TMath.Fma(a1, b7, c17);
                c20 = TMath.Fma(a2, b0, c20); c21 = TMath.Fma(a2, b1, c21); c22 = TMath.Fma(a2, b2, c22); c23 = TMath.Fma(a2, b3, c23);
                c24 = TMath.Fma(a2, b4, c24); c25 = TMath.Fma(a2, b5, c25); c26 = TMath.Fma(a2, b6, c26); c27 = TMath.Fma(a2, b7, c27);
                c30 = TMath.Fma(a3, b0, c30); c31 = TMath.Fma(a3, b1, c31); c32 = TMath.Fma(a3, b2, c32); c33 = TMath.Fma(a3, b3, c33);
                c34 = TMath.Fma(a3, b4, c34); c35 = TMath.Fma(a3, b5, c35); c36 = TMath.Fma(a3, b6, c36); c37 = TMath.Fma(a3, b7, c37);
                c40 = TMath.Fma(a4, b0, c40); c41 = TMath.Fma(a4, b1, c41); c42 = TMath.Fma(a4, b2, c42); c43 = TMath.Fma(a4, b3, c43);
                c44 = TMath.Fma(a4, b4, c44); c45 = TMath.Fma(a4, b5, c45); c46 = TMath.Fma(a4, b6, c46); c47 = TMath.Fma(a4, b7, c47);
                c50 = TMath.Fma(a5, b0, c50); c51 = TMath.Fma(a5, b1, c51); c52 = TMath.Fma(a5, b2, c52); c53 = TMath.Fma(a5, b3, c53);
                c54 = TMath.Fma(a5, b4, c54); c55 = TMath.Fma(a5, b5, c55); c56 = TMath.Fma(a5, b6, c56); c57 = TMath.Fma(a5, b7, c57);
                c60 = TMath.Fma(a6, b0, c60); c61 = TMath.Fma(a6, b1, c61); c62 = TMath.Fma(a6, b2, c62); c63 = TMath.Fma(a6, b3, c63);
                c64 = TMath.Fma(a6, b4, c64); c65 = TMath.Fma(a6, b5, c65); c66 = TMath.Fma(a6, b6, c66); c67 = TMath.Fma(a6, b7, c67);
                c70 = TMath.Fma(a7, b0, c70); c71 = TMath.Fma(a7, b1, c71); c72 = TMath.Fma(a7, b2, c72); c73 = TMath.Fma(a7, b3, c73);
                c74 = TMath.Fma(a7, b4, c74); c75 = TMath.Fma(a7, b5, c75); c76 = TMath.Fma(a7, b6, c76); c77 = TMath.Fma(a7, b7, c77);
            }

            Group.Barrier();
        }

        Store(y, bias, s, row0 + ty + 0, col0 + tx, c00, c01, c02, c03, c04, c05, c06, c07);
        Store(y, bias, s, row0 + ty + 16, col0 + tx, c10, c11, c12, c13, c14, c15, c16, c17);
        Store(y, bias, s, row0 + ty + 32, col0 + tx, c20, c21, c22, c23, c24, c25, c26, c27);
        Store(y, bias, s, row0 + ty + 48, col0 + tx, c30, c31, c32, c33, c34, c35, c36, c37);
        Store(y, bias, s, row0 + ty + 64, col0 + tx, c40, c41, c42, c43, c44, c45, c46, c47);
        Store(y, bias, s, row0 + ty + 80, col0 + tx, c50, c51, c52, c53, c54, c55, c56, c57);
        Store(y, bias, s, row0 + ty + 96, col0 + tx, c60, c61, c62, c63, c64, c65, c66, c67);
        Store(y, bias, s, row0 + ty + 112, col0 + tx, c70, c71, c72, c73, c74, c75, c76, c77);
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

    // One output row's eight columns col + 16j, plus the bias.
    private static void Store<T>(ArrayView<T> y, ArrayView<T> bias, GemmShape s, int row, int col, T v0, T v1, T v2, T v3, T v4, T v5, T v6, T v7)
        where T : unmanaged, INumber<T>
    {
        if (row >= s.Rows) return;
        StoreOne(y, bias, s, row, col, v0);
        StoreOne(y, bias, s, row, col + 16, v1);
        StoreOne(y, bias, s, row, col + 32, v2);
        StoreOne(y, bias, s, row, col + 48, v3);
        StoreOne(y, bias, s, row, col + 64, v4);
        StoreOne(y, bias, s, row, col + 80, v5);
        StoreOne(y, bias, s, row, col + 96, v6);
        StoreOne(y, bias, s, row, col + 112, v7);
    }

    private static void StoreOne<T>(ArrayView<T> y, ArrayView<T> bias, GemmShape s, int row, int col, T value)
        where T : unmanaged, INumber<T>
    {
        if (col >= s.Cols) return;
        y[OutputAt(s, row, col)] = s.HasBias != 0 ? value + bias[s.BiasOffset + col] : value;
    }
}
