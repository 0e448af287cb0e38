using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using IvySharp.Benchmarks.Peers;

namespace IvySharp.Benchmarks.Running;

/// <summary>
/// The one BenchmarkDotNet benchmark: calls whatever <see cref="Target"/> the runner has prepared.
/// BenchmarkDotNet runs in-process here, so every peer lives in the same process, and the runner
/// measures one peer of one case per BenchmarkDotNet run (each with a job sized to its call time).
/// </summary>
[SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet calls [GlobalSetup] and [Benchmark] methods on an instance.")]
public class CallBenchmark
{
    internal static ITimedCall? Target { get; set; }

    internal static int SettleMilliseconds { get; set; } = 150;

    internal static long Calls { get; set; }

    /// <summary>
    /// ONNX Runtime's (and OpenMP's) worker threads spin for tens of milliseconds after a call. The
    /// previous peer is disposed before this one starts, and this pause plus BenchmarkDotNet's warm-up
    /// iterations keep any leftover spinning out of the measured iterations.
    /// </summary>
    [GlobalSetup]
    public void Settle() => Thread.Sleep(SettleMilliseconds);

    /// <summary>One call of the prepared peer.</summary>
    [Benchmark]
    public void Call()
    {
        Target!.Run();
        Calls++;
    }
}
