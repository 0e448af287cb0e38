/// <summary>What chunked summation (s over CH k's from zero, total += s) would do to the float error at depth K.</summary>
internal static class Chunks
{
    public static void Run(int k)
    {
        int elements = 20000;
        foreach (int ch in new[] { k, 512, 256, 128, 64 })
        {
            var rnd = new Random(5);
            double worst = 0, scale = 0, sq = 0, rsq = 0;
            for (int e = 0; e < elements; e++)
            {
                float total = 0, s = 0;
                double exact = 0;
                for (int i = 0; i < k; i++)
                {
                    float a = (float)(rnd.NextDouble() * 2 - 1), b = (float)(rnd.NextDouble() * 2 - 1);
                    exact += (double)a * b;
                    s = MathF.FusedMultiplyAdd(a, b, s);
                    if ((i + 1) % ch == 0 || i == k - 1) { total = i + 1 <= ch ? s : total + s; s = 0; }
                }

                double err = Math.Abs(total - exact);
                worst = Math.Max(worst, err); scale = Math.Max(scale, Math.Abs(exact)); sq += err * err; rsq += exact * exact;
            }

            Console.WriteLine($"K={k} chunk {ch}: max|err|/max|y| {worst / scale:E2}  ||err||/||y|| {Math.Sqrt(sq / rsq):E2}");
        }
    }
}
