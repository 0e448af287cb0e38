using System.Runtime.InteropServices;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Simd;

/// <summary>The micro-kernel alone on one hot A sliver and B panel: its ceiling, apart from packing and C traffic.</summary>
internal static unsafe class KernelOnly
{
    public static void Run(int depth)
    {
        Measure<Vector512<float>, Simd512<float>, Eight, Three>(depth);
        Measure<Vector256<float>, Simd256<float>, Eight, Three>(depth);
        Measure<Vector512<float>, Simd512<float>, Eight, Three>(depth);
        Measure<Vector256<float>, Simd256<float>, Eight, Three>(depth);
    }

    private static void Measure<TVector, TSimd, TRows, TVectors>(int depth) where TVector : struct where TSimd : ISimd<float, TVector> where TRows : ICount where TVectors : ICount
    {
        int rows = TRows.Value, width = TVectors.Value * TSimd.Count;
        float* a = (float*)NativeMemory.AlignedAlloc((nuint)(rows * depth * 4), 64);
        float* b = (float*)NativeMemory.AlignedAlloc((nuint)(width * depth * 4), 64);
        float* c = (float*)NativeMemory.AlignedAlloc((nuint)(rows * width * 4), 64);
        float* bias = (float*)NativeMemory.AlignedAlloc((nuint)(width * 4), 64);
        for (int i = 0; i < rows * depth; i++) a[i] = 0.001f * (i % 7);
        for (int i = 0; i < width * depth; i++) b[i] = 0.001f * (i % 5);
        for (int i = 0; i < width; i++) bias[i] = 0;
        int* offsets = stackalloc int[14];
        for (int r = 0; r < 14; r++) offsets[r] = r * width;
        int calls = (int)(2e9 / (2.0 * rows * width * depth));
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) GemmMicroKernel<float, TVector, TSimd, TRows, TVectors>.Run(a, b, depth, c, offsets, bias, false);
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, 2.0 * rows * width * depth * calls / s / 1e9);
        }

        Console.WriteLine($"kernel {typeof(TVector).Name} {rows}x{width} depth {depth}: best {best:F1} GFLOP/s (B panel {width * depth * 4 / 1024} KB)");
        NativeMemory.AlignedFree(a); NativeMemory.AlignedFree(b); NativeMemory.AlignedFree(c); NativeMemory.AlignedFree(bias);
    }
}
