using IvySharp.Benchmarks.Peers;
using ScottPlot;

namespace IvySharp.Benchmarks.Chart;

/// <summary>The sweep as a log-log PNG: milliseconds per call against L, one line per peer (ORT: its faster form).</summary>
internal sealed class SweepChart(
    Dictionary<PeerKind, List<(int Length, double Seconds)>> series,
    Dictionary<PeerKind, string> dropped,
    BenchOptions options,
    DateTime started)
{
    public void SavePng(string path)
    {
        using var plot = new Plot();
        var lines = new List<(string Label, List<(int Length, double Seconds)> Points, Color Color, LinePattern Pattern)>
        {
            ("IvySharp", series[PeerKind.IvySharp], Colors.Crimson, LinePattern.Solid),
            ("ONNX Runtime (faster of MHA / Attention-23)", BestOf(PeerKind.OrtContribMha, PeerKind.OrtAttention23), Colors.RoyalBlue, LinePattern.Solid),
            ("TorchSharp nn.MultiheadAttention", series[PeerKind.TorchModule], Colors.DarkOrange, LinePattern.Solid),
            ("TorchSharp linear + SDPA + linear", series[PeerKind.TorchSdpa], Colors.SeaGreen, LinePattern.Dashed),
        };

        var allSeconds = new List<double>();
        foreach ((string label, List<(int Length, double Seconds)> points, Color color, LinePattern pattern) in lines.Where(l => l.Points.Count > 0))
        {
            double[] xs = points.Select(p => Math.Log2(p.Length)).ToArray();
            double[] ys = points.Select(p => Math.Log10(p.Seconds * 1e3)).ToArray();
            var scatter = plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = label;
            scatter.LinePattern = pattern;
            scatter.LineWidth = 2.5f;
            scatter.MarkerSize = 7;
            allSeconds.AddRange(points.Select(p => p.Seconds));
        }

        AxisTicks(plot, allSeconds);
        plot.Title($"Multi-head attention, E = 768, H = 12, N = 1, {options.Threads} threads{(options.Quick ? " — SMOKE RUN" : "")}");
        plot.XLabel("sequence length L = S (log scale)");
        plot.YLabel("milliseconds per call (log scale)");
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.ShowLegend();
        string note = $"{started:yyyy-MM-dd}, {Running.MachineInfo.ReadCpuModel()}; Stopwatch medians, peers alternating";
        if (dropped.Values.Any(v => v.StartsWith("stopped", StringComparison.Ordinal))) note += "; a line ends where its peer went over the sweep budget";
        var footer = plot.Add.Annotation(note, Alignment.LowerRight);
        footer.LabelFontSize = 11;
        footer.LabelBackgroundColor = Colors.White;
        footer.LabelBorderColor = Colors.Gray;
        footer.LabelShadowColor = Colors.Transparent;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        plot.SavePng(path, 1000, 620);
    }

    private List<(int Length, double Seconds)> BestOf(PeerKind a, PeerKind b) =>
        series[a].Concat(series[b]).GroupBy(p => p.Length).Select(g => (g.Key, g.Min(p => p.Seconds))).OrderBy(p => p.Key).ToList();

    // Log axes drawn by hand: the data are log2(L) and log10(ms), the tick labels the plain values.
    private static void AxisTicks(Plot plot, List<double> seconds)
    {
        var x = new ScottPlot.TickGenerators.NumericManual();
        for (int length = 64; length <= 4096; length *= 2) x.AddMajor(Math.Log2(length), length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = x;
        plot.Axes.SetLimitsX(Math.Log2(64) - 0.3, Math.Log2(4096) + 0.3);

        if (seconds.Count == 0) return;
        int low = (int)Math.Floor(Math.Log10(seconds.Min() * 1e3)), high = (int)Math.Ceiling(Math.Log10(seconds.Max() * 1e3));
        var y = new ScottPlot.TickGenerators.NumericManual();
        for (int decade = low; decade <= high; decade++)
        {
            double ms = Math.Pow(10, decade);
            y.AddMajor(decade, ms >= 1 ? ms.ToString("0", System.Globalization.CultureInfo.InvariantCulture) : ms.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            for (int m = 2; m < 10 && decade < high; m++) y.AddMinor(decade + Math.Log10(m));
        }

        plot.Axes.Left.TickGenerator = y;
        plot.Axes.SetLimitsY(low - 0.05, high + 0.05);
    }
}
