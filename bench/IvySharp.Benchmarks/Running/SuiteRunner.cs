using System.Diagnostics;
using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;
using IvySharp.Benchmarks.Reference;

namespace IvySharp.Benchmarks.Running;

/// <summary>
/// The suite: references first (GEMM peak, memory bandwidth), then each case with each peer in turn.
/// One peer exists at a time (its data converted, measured, then disposed), so a case's memory is one
/// peer's, and no peer's worker threads outlive its measurement.
/// </summary>
internal static class SuiteRunner
{
    private const int GemmSize = 2048;
    private const int BandwidthMegabytes = 512;

    public static SuiteResult Run(BenchOptions options, IReadOnlyList<BenchCase> cases, IReadOnlyList<PeerKind> peers,
        IReadOnlyList<CheckResult> checks, MachineInfo machine, string artifactsPath, TextWriter console)
    {
        DateTime started = DateTime.Now;
        var total = Stopwatch.StartNew();
        using var runner = new BdnRunner(artifactsPath, options.Quick, options.MaxCallSeconds, console);

        ReferenceResult references = MeasureReferences(runner, options.Threads, console);
        ReleaseMemory();

        // ORT's worker threads spin for tens of milliseconds after its MatMul: the ceilings wait that window out.
        Thread.Sleep(4 * CallBenchmark.SettleMilliseconds);
        console.WriteLine($"IvySharp runs {machine.Isa}; FMA-only ceilings per width (1 and {options.Threads} threads):");
        IReadOnlyList<FmaCeilingResult> ceilings = FmaCeiling.Measure(options.Threads);
        foreach (FmaCeilingResult c in ceilings) console.WriteLine($"  {FmaCeiling.Describe(c)}");
        var results = new List<CaseResult>();
        foreach (BenchCase c in cases)
        {
            results.Add(MeasureCase(runner, c, options.Quick ? CaseCatalog.Quick(c) : c, peers, options.Threads, console));
            ReleaseMemory();
        }

        machine.LoadAtEnd = MachineInfo.LoadAverage();
        return new SuiteResult(machine, started, total.Elapsed, references, ceilings, results, checks, runner.LogPath);
    }

    private static CaseResult MeasureCase(BdnRunner runner, BenchCase c, BenchCase shape, IReadOnlyList<PeerKind> peers, int threads, TextWriter console)
    {
        console.WriteLine($"{c.Name}: {shape.ShapeText}, {shape.Flops.Total / 1e9:F2} GFLOP per call");
        CaseData data = CaseData.Create(shape);
        return new CaseResult(c, shape, peers.Select(kind => MeasurePeer(runner, kind, data, threads, console)).ToList());
    }

    // Cases hold up to a gigabyte of managed arrays; hand it back before the next case (the machine is shared).
    private static void ReleaseMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static PeerResult MeasurePeer(BdnRunner runner, PeerKind kind, CaseData data, int threads, TextWriter console)
    {
        string title = $"{data.Case.Name} / {PeerNames.Short(kind)}";
        using IAttentionPeer? peer = PeerFactory.TryCreate(kind, data, threads, out string? reason);
        if (peer is null)
        {
            console.WriteLine($"  {PeerNames.Short(kind),-11} n/a: {reason}");
            return new PeerResult(kind, null, reason);
        }

        try
        {
            Measurement time = runner.Measure(peer, title);
            console.WriteLine($"  {PeerNames.Short(kind),-11} {Format.Time(time.MedianSeconds),10}  ({time.Iterations} iterations, {time.Calls} calls, {time.WallSeconds:F1} s)");
            return new PeerResult(kind, time, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string why = $"failed: {e.GetType().Name}: {PeerFactory.FirstLine(e.Message)}";
            console.WriteLine($"  {PeerNames.Short(kind),-11} {why}");
            return new PeerResult(kind, null, why);
        }
    }

    private static ReferenceResult MeasureReferences(BdnRunner runner, int threads, TextWriter console)
    {
        console.WriteLine($"references: ORT MatMul {GemmSize}³ and {BandwidthMegabytes} MB copy/read, {threads} threads");
        Measurement gemm;
        double flops;
        using (var peak = new GemmPeak(GemmSize, threads))
        {
            gemm = runner.Measure(peak, "GEMM peak");
            flops = peak.Flops;
        }

        using var memory = new MemoryBandwidth(BandwidthMegabytes, threads);
        Measurement copy = runner.Measure(memory.Copy, "copy bandwidth");
        Measurement read = runner.Measure(memory.Read, "read bandwidth");
        var result = new ReferenceResult(GemmSize, gemm, flops, copy, read, memory.Bytes);
        console.WriteLine($"  GEMM {result.GemmGflops:F1} GFLOP/s, copy {result.CopyGBps:F1} GB/s, read {result.ReadGBps:F1} GB/s");
        return result;
    }
}
