using System.Diagnostics;
using IvySharp;

/// <summary>
/// Fixed cost per call (docs/engine.md, "Fixed cost per call"): the public entry points on the smallest
/// shapes, where the arithmetic is a few hundred flops, next to the small shapes users run. Each line is the
/// median, p90 and minimum of single-call Stopwatch times over 3 s after at least 200 warm-up calls and 0.5 s, and the managed
/// bytes allocated per call on the calling thread. Usage: callcost [threads]; CALLCOST_ONLY=text keeps the lines whose
/// name contains text, CALLCOST_SECONDS=n times each for n seconds (3).
/// </summary>
internal static class CallCost
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
        Ivy.MaxDegreeOfParallelism = threads;
        var random = new Random(1);
        Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}  threads {threads}");

        IvyArray x = Random(random, 1, 1, 8), inW = Random(random, 24, 8), outW = Random(random, 8, 8), o = Random(random, 1, 1, 8);
        var layer = new IvySharp.Layers.MultiHeadAttention(8, numHeads: 1, seed: 1);
        var linear = new IvySharp.Layers.Linear(8, 8, seed: 1);
        var norm = new IvySharp.Layers.LayerNorm([8]);
        Time("Ivy.MultiHeadAttention 1x1x8 H=1, projections, @out", threads, () => Ivy.MultiHeadAttention(x, numHeads: 1, inProjWeights: inW, outProjWeights: outW, @out: o));
        Time("Ivy.MultiHeadAttention 1x1x8 H=1, core only, @out", threads, () => Ivy.MultiHeadAttention(x, x, x, numHeads: 1, @out: o));
        Time("Layers.MultiHeadAttention 1x1x8 H=1, @out", threads, () => layer.Forward(x, @out: o));
        Time("Layers.Linear 1x8 -> 8, @out", threads, () => linear.Forward(x, @out: o));
        Time("Layers.LayerNorm 1x8, @out", threads, () => norm.Forward(x, @out: o));
        Time("Ivy.Gelu 8 elements, @out", threads, () => Ivy.Gelu(x, @out: o));

        IvyArray tiny = Random(random, 1, 16, 64), tinyIn = Random(random, 192, 64), tinyOut = Random(random, 64, 64), tinyO = Random(random, 1, 16, 64);
        var tinyLayer = new IvySharp.Layers.MultiHeadAttention(64, numHeads: 4, seed: 1);
        Time("Ivy.MultiHeadAttention tiny 1x16x64 H=4, @out", threads, () => Ivy.MultiHeadAttention(tiny, numHeads: 4, inProjWeights: tinyIn, outProjWeights: tinyOut, @out: tinyO));
        Time("Layers.MultiHeadAttention tiny, @out", threads, () => tinyLayer.Forward(tiny, @out: tinyO));

        IvyArray sentence = Random(random, 3, 9, 384), sentenceO = Random(random, 3, 9, 384);
        IvyArray padding = IvyArray.From(Enumerable.Range(0, 27).Select(i => i % 9 > 6).ToArray(), 3, 9);
        var sentenceLayer = new IvySharp.Layers.MultiHeadAttention(384, numHeads: 12, seed: 1);
        Time("Layers.MultiHeadAttention 3x9x384 H=12, key padding, @out", threads, () => sentenceLayer.Forward(sentence, keyPaddingMask: padding, @out: sentenceO));
    }

    /// <summary>An array of the shape with values uniform in [-1, 1) (shared with <see cref="ColdWeights"/>).</summary>
    internal static IvyArray Random(Random random, params int[] shape)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2) - 1);
        return IvyArray.From(values, shape);
    }

    private static void Time(string name, int threads, Func<object> call)
    {
        // CALLCOST_ONLY=text times only the lines whose name contains it; CALLCOST_SECONDS sets the timing span (3 s).
        string? only = Environment.GetEnvironmentVariable("CALLCOST_ONLY");
        if (!string.IsNullOrEmpty(only) && !name.Contains(only, StringComparison.Ordinal)) return;
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("CALLCOST_SECONDS"), out int s) ? s : 3;
        // At least 200 calls and 0.5 s: a line timed first (CALLCOST_ONLY) otherwise still meets tier-0 code in its p90.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 200 || warm.ElapsedMilliseconds < 500; i++) call();
        var times = new List<double>();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var total = Stopwatch.StartNew();
        while (total.ElapsedMilliseconds < seconds * 1000L)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / times.Count;
        times.Sort();
        Console.WriteLine($"{name,-62} {threads} thr: median {times[times.Count / 2],8:F1} µs  p90 {times[(int)(times.Count * 0.9)],8:F1} µs  min {times[0],8:F1} µs  {perCall,6} B/call");
    }
}
