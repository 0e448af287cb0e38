using System.Diagnostics;
using IvySharp;
using IvySharp.Kernels;

// attend N L S E H causal threads reps variant [proj] [weights]: times Ivy.MultiHeadAttention (no projections unless proj=1: the core
// alone; weights=1 also returns the head-averaged attention weights).
internal static class Attend
{
    public static void Run(string[] args)
    {
        int n = int.Parse(args[1]), l = int.Parse(args[2]), s = int.Parse(args[3]), e = int.Parse(args[4]), h = int.Parse(args[5]);
        bool causal = args[6] == "1";
        int threads = int.Parse(args[7]), reps = int.Parse(args[8]);
        var variant = KernelVariant.Parse(args[9]);
        bool proj = args.Length > 10 && args[10] == "1";
        bool weights = args.Length > 11 && args[11] == "1";
        var random = new Random(1);
        float[] Fill(int count) => Enumerable.Range(0, count).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var q = IvyArray.From(Fill(n * l * e), n, l, e);
        var k = IvyArray.From(Fill(n * s * e), n, s, e);
        var v = IvyArray.From(Fill(n * s * e), n, s, e);
        IvyArray? win = proj ? IvyArray.From(Fill(3 * e * e), 3 * e, e) : null, wout = proj ? IvyArray.From(Fill(e * e), e, e) : null;
        var output = IvyArray.From(new float[n * l * e], n, l, e);
        using var scope = KernelSelector.Use(variant, threads);
        void Call() => Ivy.MultiHeadAttention(q, proj ? q : k, proj ? q : v, batchFirst: true, numHeads: h, inProjWeights: win, outProjWeights: wout, isCausal: causal, returnAttentionWeights: weights, @out: output);
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 2 || warm.ElapsedMilliseconds < 500; i++) Call();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        if (Environment.GetEnvironmentVariable("SERIES") == "1") Console.WriteLine($"gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)} pause {GC.GetTotalPauseDuration().TotalMilliseconds:F1} ms: " + string.Join(" ", times.Select(t => (t * 1e3).ToString("F1", System.Globalization.CultureInfo.InvariantCulture))));
        Array.Sort(times);
        int d = e / h;
        double pairs = causal ? (double)l * (l + 1) / 2 : (double)l * s;
        double flops = 4.0 * n * h * pairs * d + (proj ? 2.0 * n * l * e * 4 * e : 0);
        Console.WriteLine($"attend N={n} L={l} S={s} E={e} H={h}{(causal ? " causal" : "")}{(proj ? " proj" : "")}{(weights ? " weights" : "")} {variant} {threads}T: median {times[reps / 2] * 1e3:F2} ms ({flops / times[reps / 2] / 1e9:F1} GFLOP/s), best {times[0] * 1e3:F2} ms ({flops / times[0] / 1e9:F1})");
    }
}
