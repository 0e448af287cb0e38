using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

/// <summary>Float result against a float64 loop: normwise and per-element (relative to Σ|x·w|) errors.</summary>
internal static class Accuracy
{
    public static void Run(int m, int n, int k)
    {
        var random = new Random(5);
        float[] x = new float[m * k], w = new float[n * k], bias = new float[n], y = new float[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < n; i++) bias[i] = (float)(random.NextDouble() * 2 - 1);
        Gemm<float>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, KernelVariant.Vector512);
        double worst = 0, scale = 0, worstRelative = 0, sumSq = 0, refSq = 0;
        for (int r = 0; r < m; r++)
        {
            for (int c = 0; c < n; c++)
            {
                double sum = bias[c], abs = Math.Abs(bias[c]);
                for (int i = 0; i < k; i++)
                {
                    double p = (double)x[r * k + i] * w[c * k + i];
                    sum += p;
                    abs += Math.Abs(p);
                }

                double e = Math.Abs(y[r * n + c] - sum);
                worst = Math.Max(worst, e);
                scale = Math.Max(scale, Math.Abs(sum));
                worstRelative = Math.Max(worstRelative, e / abs);
                sumSq += e * e;
                refSq += sum * sum;
            }
        }

        Console.WriteLine($"{m}x{n}x{k} float vs float64: max|err|/max|y| = {worst / scale:E2}, ||err||/||y|| = {Math.Sqrt(sumSq / refSq):E2}, max |err|/Σ|x·w| = {worstRelative:E2}");
    }
}
