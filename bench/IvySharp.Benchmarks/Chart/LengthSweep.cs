using System.Diagnostics;
using System.Text;
using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;
using IvySharp.Benchmarks.Running;

namespace IvySharp.Benchmarks.Chart;

/// <summary>
/// Time versus sequence length (L = S from 64 to 4096, E = 768, H = 12, N = 1, packed projections) for
/// every peer. Stopwatch medians instead of BenchmarkDotNet, to keep the sweep short: the peers take
/// turns, each timed call preceded by an untimed warm-up call of the same peer, so no peer's leftover
/// spinning threads land in another's timing.
/// </summary>
internal static class LengthSweep
{
    private static readonly int[] Lengths = [64, 128, 256, 512, 1024, 2048, 4096];

    public static void Run(BenchOptions options, string pngPath, TextWriter console)
    {
        int repetitions = options.Quick ? 2 : 7;
        double budget = options.Quick ? 3 : 30;
        DateTime started = DateTime.Now;
        string loadAtStart = MachineInfo.LoadAverage();
        var series = PeerNames.All.ToDictionary(k => k, _ => new List<(int Length, double Seconds)>());
        var dropped = new Dictionary<PeerKind, string>();
        foreach (int length in Lengths)
        {
            CaseData data = CaseData.Create(CaseCatalog.ChartPoint(length));
            var peers = new List<IAttentionPeer>();
            foreach (PeerKind kind in PeerNames.All.Where(k => !dropped.ContainsKey(k)))
            {
                IAttentionPeer? peer = PeerFactory.TryCreate(kind, data, options.Threads, out string? reason);
                if (peer is null) dropped[kind] = reason ?? "unavailable";
                else peers.Add(peer);
            }

            try
            {
                Dictionary<PeerKind, double> medians = Alternate(peers, repetitions);
                foreach ((PeerKind kind, double seconds) in medians)
                {
                    series[kind].Add((length, seconds));
                    if (seconds > budget && length != Lengths[^1]) dropped[kind] = $"stopped after L = {length}: {seconds:F1} s per call, over the {budget} s sweep budget";
                }

                console.WriteLine($"L = {length,5}: " + string.Join(", ", medians.Select(m => $"{PeerNames.Short(m.Key)} {Format.Time(m.Value)}")));
            }
            finally
            {
                foreach (IAttentionPeer peer in peers) peer.Dispose();
            }
        }

        var chart = new SweepChart(series, dropped, options, started);
        chart.SavePng(pngPath);
        string tablePath = Path.ChangeExtension(pngPath, ".md");
        File.WriteAllText(tablePath, Table(series, dropped, options, started, loadAtStart, repetitions));
        console.WriteLine($"chart: {pngPath}");
        console.WriteLine($"numbers: {tablePath}");
    }

    // Round r starts at peer r mod count, so no peer always follows the same one.
    private static Dictionary<PeerKind, double> Alternate(List<IAttentionPeer> peers, int repetitions)
    {
        var samples = peers.ToDictionary(p => p.Kind, _ => new List<double>());
        var watch = new Stopwatch();
        for (int r = 0; r < repetitions; r++)
        {
            for (int i = 0; i < peers.Count; i++)
            {
                IAttentionPeer peer = peers[(r + i) % peers.Count];
                peer.Run();
                watch.Restart();
                peer.Run();
                samples[peer.Kind].Add(watch.Elapsed.TotalSeconds);
            }
        }

        return samples.ToDictionary(s => s.Key, s => Median(s.Value));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static string Table(Dictionary<PeerKind, List<(int Length, double Seconds)>> series, Dictionary<PeerKind, string> dropped,
        BenchOptions options, DateTime started, string loadAtStart, int repetitions)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Time versus sequence length{(options.Quick ? " (SMOKE RUN, not the final numbers)" : "")}");
        md.AppendLine();
        md.AppendLine($"Self-attention, N = 1, E = 768, H = 12, packed in-projection + out-projection, L = S; {options.Threads} threads for every peer.");
        md.AppendLine($"{started:yyyy-MM-dd HH:mm}, {MachineInfo.ReadCpuModel()}, load average at start {loadAtStart}, at end {MachineInfo.LoadAverage()}.");
        md.AppendLine($"Command: `{options.Command}`. Stopwatch medians of {repetitions} timed calls per point (not BenchmarkDotNet); the peers take turns and each timed call follows an untimed warm-up call of the same peer.");
        md.AppendLine();
        PeerKind[] kinds = series.Where(s => s.Value.Count > 0).Select(s => s.Key).ToArray();
        md.AppendLine($"| L | {string.Join(" | ", kinds.Select(PeerNames.Of))} |");
        md.AppendLine($"|---|{string.Concat(kinds.Select(_ => "---|"))}");
        foreach (int length in Lengths)
        {
            IEnumerable<string> cells = kinds.Select(k => series[k].Where(p => p.Length == length).Select(p => Format.Time(p.Seconds)).FirstOrDefault() ?? "–");
            md.AppendLine($"| {length} | {string.Join(" | ", cells)} |");
        }

        md.AppendLine();
        foreach ((PeerKind kind, string why) in dropped) md.AppendLine($"- {PeerNames.Of(kind)}: {why}");
        return md.ToString();
    }
}
