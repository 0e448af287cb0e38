using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;

namespace IvySharp.Benchmarks.Running;

/// <summary>One peer's agreement with IvySharp on a case's small twin.</summary>
internal sealed record CheckResult(string Case, PeerKind Peer, string SmallShape, double? OutputDiff, double? WeightsDiff, string? Problem)
{
    /// <summary>Differences above this (inputs and outputs are O(1)) mean the peers compute different things.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>True when the peer ran and agreed.</summary>
    public bool Agrees => Problem is null && OutputDiff <= Tolerance && (WeightsDiff is null || WeightsDiff <= Tolerance);

    /// <summary>Report text: the differences, or why there are none.</summary>
    public string Text => Problem ?? $"{OutputDiff:0.0e+0}{(WeightsDiff is { } w ? $" (weights {w:0.0e+0})" : "")}{(Agrees ? "" : " MISMATCH")}";
}

/// <summary>
/// Runs every peer on a small instance of each case and compares with IvySharp, so the timed runs
/// compare the same computation (same masks, projections, scale and layout).
/// </summary>
internal static class CrossCheck
{
    public static List<CheckResult> Run(IEnumerable<BenchCase> cases, IReadOnlyList<PeerKind> peers, int threads, TextWriter log)
    {
        var results = new List<CheckResult>();
        foreach (BenchCase full in cases)
        {
            BenchCase small = CaseCatalog.Small(full);
            CaseData data = CaseData.Create(small, seed: 7);
            using var reference = new IvyPeer(data);
            reference.Run();
            float[] expected = reference.Output();
            float[]? expectedWeights = reference.Weights();
            foreach (PeerKind kind in peers.Where(p => p != PeerKind.IvySharp))
            {
                results.Add(Compare(full.Name, small, data, kind, threads, expected, expectedWeights));
                log.WriteLine($"check {full.Name,-17} {PeerNames.Short(kind),-11} {results[^1].Text}");
            }
        }

        return results;
    }

    private static CheckResult Compare(string name, BenchCase small, CaseData data, PeerKind kind, int threads, float[] expected, float[]? expectedWeights)
    {
        using IAttentionPeer? peer = PeerFactory.TryCreate(kind, data, threads, out string? reason);
        if (peer is null) return new CheckResult(name, kind, small.ShapeText, null, null, "n/a: " + reason);
        try
        {
            peer.Run();
            double output = MaxAbsDiff(expected, peer.Output());
            double? weights = expectedWeights is null ? null : MaxAbsDiff(expectedWeights, peer.Weights() ?? []);
            return new CheckResult(name, kind, small.ShapeText, output, weights, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CheckResult(name, kind, small.ShapeText, null, null, $"failed: {e.GetType().Name}: {PeerFactory.FirstLine(e.Message)}");
        }
    }

    /// <summary>max |a − b|; infinite when the lengths differ or a value is NaN on one side only.</summary>
    public static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) return double.PositiveInfinity;
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(diff)) diff = float.IsNaN(a[i]) && float.IsNaN(b[i]) ? 0 : double.PositiveInfinity;
            max = Math.Max(max, diff);
        }

        return max;
    }
}
