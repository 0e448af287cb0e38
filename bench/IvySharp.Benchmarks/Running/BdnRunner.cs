using System.Diagnostics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using IvySharp.Benchmarks.Peers;

namespace IvySharp.Benchmarks.Running;

/// <summary>Times one <see cref="ITimedCall"/> with BenchmarkDotNet (in-process) or, over budget, with one Stopwatch call.</summary>
internal sealed class BdnRunner(string artifactsPath, bool quick, double maxCallSeconds, TextWriter console) : IDisposable
{
    private readonly StreamWriter _log = OpenLog(artifactsPath);

    /// <summary>The BenchmarkDotNet log of this bench run (every job's full output).</summary>
    public string LogPath => ((FileStream)_log.BaseStream).Name;

    /// <summary>
    /// Calls <paramref name="target"/> a few times to learn its cost (the first call also warms it up),
    /// then measures it with a job sized to that cost.
    /// </summary>
    public Measurement Measure(ITimedCall target, string title)
    {
        var wall = Stopwatch.StartNew();
        double probe = Probe(target, out int probeCalls);
        if (probe > maxCallSeconds)
        {
            console.WriteLine($"  {title}: one call took {probe:F1} s, over the {maxCallSeconds} s budget: reporting that single call");
            return new Measurement(probe, null, 1, probeCalls, $"single call (over the {maxCallSeconds} s budget)", wall.Elapsed.TotalSeconds, MeasurementSource.SingleCall);
        }

        (Job job, string jobText) = JobPlanner.For(probe, quick);
        _log.WriteLine($"===== {title}: probe {probe * 1e3:F3} ms, job: {jobText}");
        CallBenchmark.Target = target;
        CallBenchmark.Calls = 0;
        try
        {
            IConfig config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddLogger(new StreamLogger(_log))
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .WithArtifactsPath(artifactsPath)
                .WithOptions(ConfigOptions.DisableLogFile);
            Summary summary = BenchmarkRunner.Run<CallBenchmark>(config);
            _log.Flush();
            BenchmarkReport? report = summary.Reports.SingleOrDefault();
            if (summary.HasCriticalValidationErrors || report?.ResultStatistics is null)
            {
                string why = string.Join("; ", summary.ValidationErrors.Select(e => e.Message));
                throw new InvalidOperationException($"BenchmarkDotNet gave no result for {title}{(why.Length > 0 ? ": " + why : "")} (see {LogPath})");
            }

            long? allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            return new Measurement(report.ResultStatistics.Median / 1e9, allocated, report.ResultStatistics.N,
                CallBenchmark.Calls + probeCalls, jobText, wall.Elapsed.TotalSeconds, MeasurementSource.BenchmarkDotNet);
        }
        finally
        {
            CallBenchmark.Target = null;
        }
    }

    public void Dispose() => _log.Dispose();

    // The first call pays JIT and lazy set-up and is not used; then up to five more calls within half a
    // second, of which the fastest sets the job (a busy machine makes single calls erratic).
    private static double Probe(ITimedCall target, out int calls)
    {
        var watch = Stopwatch.StartNew();
        target.Run();
        double first = watch.Elapsed.TotalSeconds;
        calls = 1;
        if (first > 5) return first;
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        do
        {
            watch.Restart();
            target.Run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            calls++;
        }
        while (calls < 6 && total.Elapsed.TotalSeconds < 0.5);
        return best;
    }

    private static StreamWriter OpenLog(string artifactsPath)
    {
        Directory.CreateDirectory(artifactsPath);
        string path = Path.Combine(artifactsPath, $"bench-{DateTime.Now:yyyyMMdd-HHmmss}.log");
        return new StreamWriter(path) { AutoFlush = false };
    }
}
