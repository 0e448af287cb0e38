using System.Diagnostics;

namespace SentenceSimilarity.Benchmark;

/// <summary>
/// Times two engines fairly on a shared machine: blocks of <see cref="BlockRuns"/> runs of one engine, a pause,
/// a block of the other, a pause, and so on, the order swapped every round. Neither engine's worker threads are
/// still running (ORT's spin for a while after each run) when the other's block starts, while both still see the
/// same stretch of machine load. Each engine is warmed up first (the JIT's tiers for IvySharp, ORT's first-run
/// allocations), untimed.
/// </summary>
/// <param name="Runs">Timed runs per engine.</param>
/// <param name="BlockRuns">Runs in one block.</param>
/// <param name="Pause">The idle time after every block.</param>
/// <param name="WarmUp">Each engine runs at least this long, and at least <see cref="WarmUpRuns"/> times, before timing.</param>
/// <param name="WarmUpRuns">The least number of warm-up runs.</param>
internal sealed record AlternatingBlocks(int Runs, int BlockRuns, TimeSpan Pause, TimeSpan WarmUp, int WarmUpRuns)
{
    /// <summary>The rounds (one block of each engine per round).</summary>
    public int Rounds => (Runs + BlockRuns - 1) / BlockRuns;

    /// <summary>Warms both engines up, then times them in alternating blocks.</summary>
    public (Timing First, Timing Second) Measure(Action first, Action second)
    {
        WarmUpEngine(first);
        Thread.Sleep(Pause);
        WarmUpEngine(second);
        Thread.Sleep(Pause);

        var a = new List<double>(Runs);
        var b = new List<double>(Runs);
        for (int round = 0; round < Rounds; round++)
        {
            int count = Math.Min(BlockRuns, Runs - (round * BlockRuns));
            bool firstLeads = round % 2 == 0;
            Block(firstLeads ? first : second, firstLeads ? a : b, count);
            Block(firstLeads ? second : first, firstLeads ? b : a, count);
        }

        return (Timing.Of(a), Timing.Of(b));
    }

    private void Block(Action run, List<double> times, int count)
    {
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        Thread.Sleep(Pause);
    }

    private void WarmUpEngine(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < WarmUpRuns || Stopwatch.GetElapsedTime(start) < WarmUp; i++) run();
    }
}

/// <summary>A set of timings, in milliseconds: median, 90th percentile (nearest rank) and minimum.</summary>
internal readonly record struct Timing(double Median, double P90, double Min, int Count)
{
    public static Timing Of(IReadOnlyCollection<double> milliseconds)
    {
        double[] sorted = [.. milliseconds.Order()];
        int n = sorted.Length, middle = n / 2;
        double median = n % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        double p90 = sorted[Math.Max(0, (int)Math.Ceiling(0.9 * n) - 1)];
        return new Timing(median, p90, sorted[0], n);
    }
}
