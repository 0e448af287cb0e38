using System.Diagnostics;
using System.Numerics;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

internal static class Generic
{
    public static void Measure<T>(int m, int n, int k, int[] threadCounts, int repsWanted, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(1);
        T[] x = new T[m * k], w = new T[n * k], bias = new T[n], y = new T[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        for (int i = 0; i < w.Length; i++) w[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        double flops = 2.0 * m * n * k;
        foreach (int threads in threadCounts)
        {
            using var scope = KernelSelector.Use(threads: threads);
            int reps = repsWanted > 0 ? repsWanted : (int)Math.Clamp(3e9 / flops, 7, 20000);
            for (int i = 0; i < 3; i++) Gemm<T>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, variant);
            var times = new double[reps];
            for (int i = 0; i < reps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                Gemm<T>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, variant);
                times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            Array.Sort(times);
            Console.WriteLine($"{typeof(T).Name} {m}x{n}x{k} {threads}T: median {flops / times[reps / 2] / 1e9,6:F1} GFLOP/s  best {flops / times[0] / 1e9,6:F1}");
        }
    }
}
