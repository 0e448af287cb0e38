using BenchmarkDotNet.Engines;
using Perfolizer.Horology;
using Perfolizer.Mathematics.OutlierDetection;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace IvySharp.Benchmarks.Running;

/// <summary>
/// Picks a short BenchmarkDotNet job from a peer's measured single-call time: the machine is small and
/// noisy, so few iterations, reported as medians. Every job runs in-process (all peers in one process).
/// </summary>
internal static class JobPlanner
{
    private static readonly InProcessEmitToolchain InProcess = new(TimeSpan.FromMinutes(30), logOutput: true);

    /// <summary>The job for a call that takes about <paramref name="callSeconds"/>.</summary>
    public static (Job Job, string Text) For(double callSeconds, bool quick)
    {
        // Medians need no outlier removal, and keeping every iteration makes the count in the report exact.
        Job job = Job.Default.WithToolchain(InProcess).WithLaunchCount(1).WithOutlierMode(OutlierMode.DontRemove);
        if (callSeconds < 0.02)
        {
            // Short calls: BenchmarkDotNet's pilot picks how many calls fill one iteration.
            int warmup = quick ? 1 : 3, iterations = quick ? 3 : 9;
            double iterationMs = quick ? 25 : 200;
            return (job.WithStrategy(RunStrategy.Throughput).WithIterationTime(TimeInterval.FromMilliseconds(iterationMs))
                    .WithWarmupCount(warmup).WithIterationCount(iterations),
                $"throughput, {iterationMs} ms iterations, {warmup} warm-up + {iterations} measured");
        }

        if (!quick && callSeconds < 1.5)
        {
            return (job.WithStrategy(RunStrategy.Throughput).WithInvocationCount(1).WithUnrollFactor(1)
                    .WithWarmupCount(2).WithIterationCount(7),
                "1 call per iteration, 2 warm-up + 7 measured");
        }

        // Long calls (or any call in --quick): one call per iteration, no pilot or overhead stages.
        int longWarmup = quick ? 0 : 1, longIterations = quick ? 2 : 3;
        return (job.WithStrategy(RunStrategy.Monitoring).WithInvocationCount(1).WithUnrollFactor(1)
                .WithWarmupCount(longWarmup).WithIterationCount(longIterations),
            $"monitoring, 1 call per iteration, {longWarmup} warm-up + {longIterations} measured");
    }
}
