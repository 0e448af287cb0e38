using System.Diagnostics;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

/// <summary>Interleaved A/B of the main tile shapes on one shape, so host noise hits both alike.</summary>
static class Tiles
{
    public static void Run(int m, int n, int k, int threads, int reps)
    {
        var random = new Random(1);
        float[] x = new float[m * k], w = new float[n * k], bias = new float[n], y = new float[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() * 2 - 1);
        (int, int)[] shapes = [(14, 2), (8, 3)];
        var times = shapes.Select(_ => new List<double>()).ToArray();
        using var scope = KernelSelector.Use(threads: threads);
        for (int rep = -2; rep < reps; rep++)
        {
            for (int s = 0; s < shapes.Length; s++)
            {
                GemmTiling.ForcedShape = shapes[s];
                long t0 = Stopwatch.GetTimestamp();
                Gemm<float>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, KernelVariant.Vector512);
                if (rep >= 0) times[s].Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }

        GemmTiling.ForcedShape = null;
        double flops = 2.0 * m * n * k;
        for (int s = 0; s < shapes.Length; s++)
        {
            times[s].Sort();
            Console.WriteLine($"{m}x{n}x{k} {threads}T tile {shapes[s]}: median {flops / times[s][reps / 2] / 1e9:F1} best {flops / times[s][0] / 1e9:F1} GFLOP/s");
        }
    }
}
