using System.Diagnostics;
using IvySharp;

/// <summary>
/// cold [rows] [threads] [rounds]: a transformer's feed-forward weights read from memory, as in the sentence
/// sample's first pass after an idle gap (docs/sentence-similarity.md). Six distinct pairs of
/// <c>Layers.Linear</c> 384 → 1536 → 384 (28 MB of packed weights) at a few rows: the median pass time with the
/// weights as the previous pass left them in the caches ("warm"), and right after a 256 MB
/// write has pushed them out of every cache ("cold"). Single-pass Stopwatch times, alternating, medians.
/// </summary>
internal static class ColdWeights
{
    public static void Run(string[] args)
    {
        int rows = args.Length > 1 ? int.Parse(args[1]) : 24;
        Ivy.MaxDegreeOfParallelism = args.Length > 2 ? int.Parse(args[2]) : 2;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 60;
        var random = new Random(1);
        var up = Enumerable.Range(0, 6).Select(i => new IvySharp.Layers.Linear(384, 1536, seed: i)).ToArray();
        var down = Enumerable.Range(0, 6).Select(i => new IvySharp.Layers.Linear(1536, 384, seed: i + 10)).ToArray();
        IvyArray x = CallCost.Random(random, rows, 384), hidden = CallCost.Random(random, rows, 1536), y = CallCost.Random(random, rows, 384);
        byte[] flush = new byte[256 << 20];

        void Pass()
        {
            for (int i = 0; i < 6; i++)
            {
                up[i].Forward(x, @out: hidden);
                down[i].Forward(hidden, @out: y);
            }
        }

        for (int i = 0; i < 300; i++) Pass();
        var warm = new List<double>();
        var cold = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            Pass();
            warm.Add(Time(Pass));
            for (int i = 0; i < flush.Length; i += 64) flush[i]++;
            cold.Add(Time(Pass));
        }

        double weightBytes = 12.0 * 384 * 1536 * sizeof(float);
        Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}  rows {rows}  threads {Ivy.MaxDegreeOfParallelism}  {rounds} rounds  weights {weightBytes / 1e6:F1} MB");
        Console.WriteLine($"  warm: {Describe(warm, weightBytes)}");
        Console.WriteLine($"  cold: {Describe(cold, weightBytes)}");
    }

    private static double Time(Action pass)
    {
        long start = Stopwatch.GetTimestamp();
        pass();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static string Describe(List<double> milliseconds, double bytes)
    {
        milliseconds.Sort();
        double median = milliseconds[milliseconds.Count / 2];
        return $"median {median:F3} ms ({bytes / median / 1e6:F1} GB/s of weights)  p10 {milliseconds[milliseconds.Count / 10]:F3}  p90 {milliseconds[milliseconds.Count * 9 / 10]:F3}";
    }
}
