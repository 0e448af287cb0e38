using System.Diagnostics;
using IvySharp.Kernels.Gemm;

internal static unsafe class Pack
{
    public static void Run()
    {
        foreach (var (n, k, width) in new[] { (2304, 768, 48), (2304, 768, 32), (192, 64, 48), (768, 768, 48) })
        {
            float[] w = new float[n * k], packed = new float[((n + width - 1) / width) * width * k];
            new Random(1).NextBytes(new byte[1]);
            for (int i = 0; i < w.Length; i++) w[i] = i;
            foreach (bool vectorized in new[] { true, false })
            {
                var times = new List<double>();
                for (int rep = 0; rep < 300; rep++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    fixed (float* pw = w, pp = packed)
                    {
                        for (int p = 0; p * width < n; p++)
                        {
                            GemmPacking<float>.Transpose(pw + (long)p * width * k, k, Math.Min(width, n - p * width), k, pp + (long)p * width * k, width, vectorized);
                        }
                    }
                    times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
                times.Sort();
                Console.WriteLine($"pack W {n}x{k} into {width}-wide panels, vectorized={vectorized}: best {times[0]:F1} us, {times[0] * 1e3 / (n * (double)k):F2} ns/elem");
            }

            // What a cache would pay instead: prove W unchanged by comparing it with a saved copy.
            float[] copy = (float[])w.Clone();
            var compare = new List<double>();
            bool same = true;
            for (int rep = 0; rep < 300; rep++)
            {
                long t0 = Stopwatch.GetTimestamp();
                same &= System.Runtime.InteropServices.MemoryMarshal.AsBytes(w.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(copy.AsSpan()));
                compare.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }
            compare.Sort();
            Console.WriteLine($"  compare W {n}x{k} with a saved copy: best {compare[0]:F1} us ({same})");
        }
    }
}
