using System.Diagnostics;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

/// <summary>Per-call cost at tiny sizes: best average over batches of calls.</summary>
internal static class Overhead
{
    public static void Run(string[] args)
    {
        (int, int, int)[] shapes = args.Length >= 4 ? [(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]))] : [(16, 192, 0), (16, 192, 1), (16, 192, 64), (1, 1, 1)];
        foreach (var (m, n, k) in shapes)
        {
            float[] x = new float[Math.Max(1, m * k)], w = new float[Math.Max(1, n * k)], bias = new float[n], y = new float[m * n];
            using var scope = KernelSelector.Use(threads: 1);
            double best = double.MaxValue;
            for (int batch = 0; batch < (args.Length >= 4 ? 200 : 40); batch++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < 2000; i++) Gemm<float>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, KernelVariant.Vector512);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 2000);
            }

            Console.WriteLine($"{m}x{n}x{k}: best batch average {best:F2} us/call");
        }
    }
}
