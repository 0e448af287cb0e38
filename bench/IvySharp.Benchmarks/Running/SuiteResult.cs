using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;

namespace IvySharp.Benchmarks.Running;

/// <summary>One peer on one case: a time, or why there is none.</summary>
internal sealed record PeerResult(PeerKind Kind, Measurement? Time, string? NotRun);

/// <summary>Every peer on one case. <see cref="Shape"/> differs from <see cref="Case"/> when --quick shrank it.</summary>
internal sealed record CaseResult(BenchCase Case, BenchCase Shape, IReadOnlyList<PeerResult> Peers)
{
    public PeerResult? Of(PeerKind kind) => Peers.FirstOrDefault(p => p.Kind == kind);

    /// <summary>The faster of the two ONNX Runtime forms that ran.</summary>
    public PeerResult? BestOrt => Peers.Where(p => p.Kind is PeerKind.OrtContribMha or PeerKind.OrtAttention23 && p.Time is not null)
        .MinBy(p => p.Time!.MedianSeconds);
}

/// <summary>Same-run references: GEMM peak and memory bandwidth.</summary>
internal sealed record ReferenceResult(int GemmSize, Measurement Gemm, double GemmFlops, Measurement Copy, Measurement Read, long BandwidthBytes)
{
    public double GemmGflops => GemmFlops / Gemm.MedianSeconds / 1e9;

    public double CopyGBps => BandwidthBytes / Copy.MedianSeconds / 1e9;

    public double ReadGBps => BandwidthBytes / Read.MedianSeconds / 1e9;
}

/// <summary>Everything a suite run produced.</summary>
internal sealed record SuiteResult(
    MachineInfo Machine,
    DateTime Started,
    TimeSpan Duration,
    ReferenceResult? References,
    IReadOnlyList<Reference.FmaCeilingResult> Ceilings,
    IReadOnlyList<CaseResult> Cases,
    IReadOnlyList<CheckResult> Checks,
    string BdnLog)
{
    /// <summary>The same-run FMA ceiling of the width IvySharp's calls ran on, if measured.</summary>
    public Reference.FmaCeilingResult? DefaultCeiling => Ceilings.FirstOrDefault(c => c.Width == MachineInfo.DefaultWidth);
}
