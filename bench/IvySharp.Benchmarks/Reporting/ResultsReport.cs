using System.Text;
using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;
using IvySharp.Benchmarks.Reference;
using IvySharp.Benchmarks.Running;

namespace IvySharp.Benchmarks.Reporting;

/// <summary>Writes a suite run as Markdown: summary, details, FLOP counts, decode bandwidth, references, check, notes.</summary>
internal static class ResultsReport
{
    public static string Render(SuiteResult run, BenchOptions options)
    {
        var md = new StringBuilder();
        MachineInfo m = run.Machine;
        md.AppendLine($"# IvySharp attention benchmark: {run.Started:yyyy-MM-dd}, {m.CpuModel}");
        md.AppendLine();
        if (options.Quick)
        {
            md.AppendLine("> **SMOKE RUN (`--quick`), not the final numbers.** Heavy cases are shrunk (the shape run is");
            md.AppendLine("> given per case), each peer gets two measured calls, and the machine was shared while it ran");
            md.AppendLine("> (see the load average). It shows that every peer, form and report column works end to end.");
            md.AppendLine();
        }

        md.AppendLine($"- Date: {run.Started:yyyy-MM-dd HH:mm} local, {run.Duration.TotalMinutes:F1} minutes in all");
        md.AppendLine($"- CPU: {m.CpuModel}, {m.LogicalCpus} logical CPUs ({m.CpuFeatures}); {m.Os}; {m.Runtime}");
        md.AppendLine($"- IvySharp's instruction set: {m.Isa}; runtime ISA switches: {m.IsaSwitches}" +
            (run.DefaultCeiling is { } dc ? $"; its width's same-run FMA-only ceiling {Format.Number(dc.OneThreadGflops, "0.0")} GFLOP/s on 1 thread, {Format.Number(dc.AllThreadsGflops, "0.0")} on {dc.Threads}" : ""));
        if (m.IsaSwitches.Contains("DOTNET_EnableAVX512", StringComparison.Ordinal))
        {
            md.AppendLine("- ISA switches act on .NET only: ONNX Runtime and libtorch still use every instruction the CPU has, so read IvySharp's GFLOP/s against its own width's ceiling (below), not the time ratios.");
        }

        md.AppendLine($"- Threads: {options.Threads} for every peer (`Ivy.MaxDegreeOfParallelism`, ORT intra-op {options.Threads} / inter-op 1, `torch.set_num_threads({options.Threads})`)");
        md.AppendLine($"- Peers: IvySharp {m.Commit}; ONNX Runtime {m.OrtVersion} (CPU EP); TorchSharp-cpu 0.107.0 (libtorch {m.TorchVersion})");
        md.AppendLine($"- Load average (1/5/15 min) at start: {m.LoadAtStart}; at end: {m.LoadAtEnd}");
        md.AppendLine($"- Command: `{options.Command}`");
        md.AppendLine("- Times are BenchmarkDotNet 0.15.8 medians (in-process, MemoryDiagnoser), except where a row says \"single call\".");
        md.AppendLine();

        WriteSummary(md, run);
        WriteDetails(md, run);
        WriteFlops(md, run);
        WriteDecodeBandwidth(md, run);
        WriteReferences(md, run);
        WriteChecks(md, run);
        WriteNotes(md, run, options);
        return md.ToString();
    }

    private static void WriteSummary(StringBuilder md, SuiteResult run)
    {
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine("Ratio = IvySharp time ÷ peer time: below 1 IvySharp is faster, above 1 it is slower. ORT is the faster of its two attention forms.");
        md.AppendLine();
        FmaCeilingResult? ceiling = run.DefaultCeiling;
        md.AppendLine($"IvySharp GFLOP/s (FLOP below) and, in brackets, % of the same-run FMA-only ceiling of the width it ran on ({(ceiling is null ? "not measured" : $"{ceiling.Width}, {Format.Number(ceiling.AllThreadsGflops, "0.0")} GFLOP/s on {ceiling.Threads} threads")}).");
        md.AppendLine();
        md.AppendLine("The layer columns time `IvySharp.Layers.MultiHeadAttention` (weights packed when the layer was built) on the same inputs; – where the layer cannot express the case (no projection, static K/V).");
        md.AppendLine();
        md.AppendLine("| case | shape run | IvySharp | IvySharp GFLOP/s (% of ceiling) | ORT (best form) | IvySharp ÷ ORT | IvySharp layer | layer ÷ ORT | Torch MHA module | IvySharp ÷ Torch MHA | Torch SDPA | IvySharp ÷ Torch SDPA |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (CaseResult c in run.Cases)
        {
            Measurement? ivy = c.Of(PeerKind.IvySharp)?.Time;
            PeerResult? ort = c.BestOrt;
            string ortText = ort is null ? "n/a" : $"{Time(ort.Time)} ({(ort.Kind == PeerKind.OrtContribMha ? "MHA" : "Attention-23")})";
            string rate = ivy is null ? "–" : Format.Number(c.Shape.Flops.Total / ivy.MedianSeconds / 1e9, "0.0") +
                (ceiling is null ? "" : $" ({Format.Number(100 * c.Shape.Flops.Total / ivy.MedianSeconds / 1e9 / ceiling.AllThreadsGflops, "0")}%)");
            Measurement? layer = c.Of(PeerKind.IvySharpLayer)?.Time;
            md.AppendLine($"| {c.Case.Name} | {ShapeRun(c)} | {Time(ivy)} | {rate} | {ortText} | {Ratio(ivy, ort?.Time)} | {(layer is null ? "–" : Time(layer))} | {Ratio(layer, ort?.Time)} | " +
                $"{Time(c.Of(PeerKind.TorchModule)?.Time)} | {Ratio(ivy, c.Of(PeerKind.TorchModule)?.Time)} | " +
                $"{Time(c.Of(PeerKind.TorchSdpa)?.Time)} | {Ratio(ivy, c.Of(PeerKind.TorchSdpa)?.Time)} |");
        }

        md.AppendLine();
    }

    private static void WriteDetails(StringBuilder md, SuiteResult run)
    {
        double? peak = run.References?.GemmGflops;
        md.AppendLine("## Every peer and form");
        md.AppendLine();
        md.AppendLine($"GFLOP/s counts the FLOP of the section below; % of peak is against the same-run ORT MatMul {run.References?.GemmSize}³ ({(peak is null ? "not measured" : Format.Number(peak.Value, "0.0") + " GFLOP/s")}). Allocations are managed bytes per call (native allocations of ORT and libtorch are not seen). Check = max |peer − IvySharp| on the case's small twin. The peak is one measurement of a 2048³ product: on a busy machine, or for a small cache-resident case, a row can exceed 100%.");
        md.AppendLine();
        md.AppendLine("| case | peer | median | IvySharp ÷ peer | GFLOP/s | % of GEMM peak | managed alloc/call | iterations, job | check |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (CaseResult c in run.Cases)
        {
            Measurement? ivy = c.Of(PeerKind.IvySharp)?.Time;
            foreach (PeerResult p in c.Peers)
            {
                string check = p.Kind == PeerKind.IvySharp
                    ? "reference"
                    : run.Checks.FirstOrDefault(r => r.Case == c.Case.Name && r.Peer == p.Kind)?.Text ?? "not checked";
                if (p.Time is not { } t)
                {
                    md.AppendLine($"| {c.Case.Name} | {PeerNames.Of(p.Kind)} | n/a | | | | | {Escape(p.NotRun)} | {(check.StartsWith("n/a", StringComparison.Ordinal) ? "–" : Escape(check))} |");
                    continue;
                }

                double gflops = c.Shape.Flops.Total / t.MedianSeconds / 1e9;
                string ofPeak = peak is null ? "–" : Format.Number(100 * gflops / peak.Value, "0.0") + "%";
                string ratio = p.Kind == PeerKind.IvySharp ? "–" : Ratio(ivy, t);
                md.AppendLine($"| {c.Case.Name} | {PeerNames.Of(p.Kind)} | {Time(t)} | {ratio} | {Format.Number(gflops, "0.0")} | {ofPeak} | " +
                    $"{Format.Bytes(t.AllocatedBytesPerCall)} | {t.Iterations}, {t.Job} | {Escape(check)} |");
            }
        }

        md.AppendLine();
    }

    private static void WriteFlops(StringBuilder md, SuiteResult run)
    {
        md.AppendLine("## FLOP per call");
        md.AppendLine();
        md.AppendLine("One multiply-add = 2 FLOP; softmax, masks and bias adds are not counted (attention-anchors §2.4). Padded key columns are counted (every peer computes them).");
        md.AppendLine();
        md.AppendLine("| case | formula | in-projection | core | out-projection | total GFLOP |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (CaseResult c in run.Cases)
        {
            FlopCount f = c.Shape.Flops;
            md.AppendLine($"| {c.Case.Name} | {f.Formula} | {G(f.InProjection)} | {G(f.Core)} | {G(f.OutProjection)} | {G(f.Total)} |");
        }

        md.AppendLine();
    }

    private static void WriteDecodeBandwidth(StringBuilder md, SuiteResult run)
    {
        CaseResult? decode = run.Cases.FirstOrDefault(c => c.Shape.StaticKeyValueBytes > 0);
        if (decode is null || run.References is not { } r) return;
        long bytes = decode.Shape.StaticKeyValueBytes;
        md.AppendLine($"## {decode.Case.Name}: reading the cached keys and values");
        md.AppendLine();
        md.AppendLine($"One call must read {Format.Bytes(bytes)} of static K and V. GB/s below = those bytes ÷ the call's median (the whole call, projections included). Same-run references: copy {Format.Number(r.CopyGBps, "0.0")} GB/s (bytes copied per second), vectorised read {Format.Number(r.ReadGBps, "0.0")} GB/s.");
        md.AppendLine();
        md.AppendLine("| peer | median | K/V GB/s | % of copy | % of read |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (PeerResult p in decode.Peers.Where(p => p.Time is not null))
        {
            double gbps = bytes / p.Time!.MedianSeconds / 1e9;
            md.AppendLine($"| {PeerNames.Of(p.Kind)} | {Time(p.Time)} | {Format.Number(gbps, "0.0")} | {Format.Number(100 * gbps / r.CopyGBps, "0")}% | {Format.Number(100 * gbps / r.ReadGBps, "0")}% |");
        }

        md.AppendLine();
    }

    private static void WriteReferences(StringBuilder md, SuiteResult run)
    {
        if (run.References is not { } r) return;
        md.AppendLine("## Same-run references");
        md.AppendLine();
        md.AppendLine("| reference | median | rate | iterations, job |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine($"| ONNX Runtime MatMul {r.GemmSize}×{r.GemmSize}×{r.GemmSize} (constant B) | {Time(r.Gemm)} | {Format.Number(r.GemmGflops, "0.0")} GFLOP/s | {r.Gemm.Iterations}, {r.Gemm.Job} |");
        md.AppendLine($"| copy {Format.Bytes(r.BandwidthBytes)} (`Span.CopyTo`, split over the threads) | {Time(r.Copy)} | {Format.Number(r.CopyGBps, "0.0")} GB/s copied | {r.Copy.Iterations}, {r.Copy.Job} |");
        md.AppendLine($"| read {Format.Bytes(r.BandwidthBytes)} (vector sum, split over the threads) | {Time(r.Read)} | {Format.Number(r.ReadGBps, "0.0")} GB/s | {r.Read.Iterations}, {r.Read.Job} |");
        foreach (FmaCeilingResult c in run.Ceilings)
        {
            md.AppendLine($"| FMA-only ceiling, {c.Width} ({c.Isa}), {c.Lanes} floats per register | – | {Format.Number(c.OneThreadGflops, "0.0")} GFLOP/s on 1 thread, {Format.Number(c.AllThreadsGflops, "0.0")} on {c.Threads} | best of 9 rounds, 10 register-resident FMA chains |");
        }

        md.AppendLine();
    }

    private static void WriteChecks(StringBuilder md, SuiteResult run)
    {
        md.AppendLine("## Same computation? (cross-check on small twins)");
        md.AppendLine();
        md.AppendLine($"Each case's features (projection kind, masks, causal, weights, static K/V) on a small shape; max |peer − IvySharp| over the output (and the head-averaged weights). Above {CheckResult.Tolerance:0e0} is marked MISMATCH.");
        md.AppendLine();
        PeerKind[] others = PeerNames.All.Where(k => k != PeerKind.IvySharp).ToArray();
        md.AppendLine($"| case | small shape | {string.Join(" | ", others.Select(PeerNames.Short))} |");
        md.AppendLine($"|---|---|{string.Concat(others.Select(_ => "---|"))}");
        foreach (IGrouping<string, CheckResult> group in run.Checks.GroupBy(c => c.Case))
        {
            string cells = string.Join(" | ", others.Select(k => Escape(group.FirstOrDefault(c => c.Peer == k)?.Text ?? "–")));
            md.AppendLine($"| {group.Key} | {group.First().SmallShape} | {cells} |");
        }

        md.AppendLine();
    }

    private static void WriteNotes(StringBuilder md, SuiteResult run, BenchOptions options)
    {
        md.AppendLine("## How it was measured");
        md.AppendLine();
        md.AppendLine("- All peers run in this one process with the same thread count. BenchmarkDotNet runs in-process, one run per (case, peer), with a job sized from the fastest of a few probe calls: under 20 ms, throughput iterations (the pilot picks the calls per iteration); up to 1.5 s, one call per iteration; longer (or any call with `--quick`), the monitoring strategy. Medians, not means: the machine is small and noisy.");
        md.AppendLine("- ONNX Runtime's worker threads (and libgomp's, under libtorch) keep spinning for tens of milliseconds after a call. Peers never interleave inside a BenchmarkDotNet run: each peer is created, measured and disposed (ORT's thread pool is torn down with its session) before the next one starts, and each run begins with a 150 ms pause and warm-up iterations, so no peer's spinning falls in another's measured iterations. Within ORT's own run, its spinning between calls is its normal steady state.");
        md.AppendLine("- Layouts: IvySharp, ORT and the SDPA form take batch-first (N, L, E); `nn.MultiheadAttention` is seq-first (L, N, E), its only layout in TorchSharp (inputs are transposed once, outside the timing; identical for N = 1).");
        md.AppendLine("- ONNX Runtime gets weights as graph initializers (constants it may pre-pack at session creation), activations, static K/V and masks as inputs bound to pinned managed arrays, and outputs pre-bound: a timed call is one `Run`. IvySharp gets the same arrays through its public facade and writes into a reused `@out`; TorchSharp gets libtorch tensors made once.");
        md.AppendLine("- Forms: ORT runs MatMul+Add projections around `com.microsoft.MultiHeadAttention` (padding as an int32 key mask, causal as `unidirectional`) and, separately, around ONNX `Attention` (opset 23; padding as a bool (N, 1, L, S) mask, `is_causal`; weights from output 3 with `qk_matmul_output_mode` 3, averaged over heads by ReduceMean). TorchSharp runs `nn.MultiheadAttention` (libtorch's C++ module; causal as a float −∞ mask; `need_weights` only for the weights case) and linear + `scaled_dot_product_attention` + linear.");
        md.AppendLine("- n/a means the form cannot express the case (the reason is in the details table): contrib MHA has no weights output; SDPA returns no weights; TorchSharp's module has no `static_k`/`static_v` and always projects.");
        if (options.Quick) md.AppendLine("- `--quick` shrinks bert-base (N = 2), bert-512 (N = 1), causal-2k (L = S = 512), cross-pad (N = 2) and long-16k (L = S = 2048); GFLOP/s use the shape run.");
        md.AppendLine($"- A peer whose probe call exceeded {options.MaxCallSeconds} s is reported from that single call (\"single call\" rows).");
        md.AppendLine($"- BenchmarkDotNet's full log of this run: `{Path.GetFileName(run.BdnLog)}` in bench/BenchmarkDotNet.Artifacts (not committed).");
        md.AppendLine();
    }

    private static string ShapeRun(CaseResult c) =>
        c.Shape == c.Case ? c.Shape.ShapeText : $"**{c.Shape.ShapeText}** (full: {c.Case.ShapeText})";

    private static string Time(Measurement? m) => m is null ? "n/a" : Format.Time(m.MedianSeconds) + (m.Source == MeasurementSource.SingleCall ? " (single call)" : "");

    private static string Ratio(Measurement? ivy, Measurement? peer) =>
        ivy is null || peer is null ? "–" : Format.Number(ivy.MedianSeconds / peer.MedianSeconds, "0.00");

    private static string G(double flops) => Format.Number(flops / 1e9, flops < 1e8 ? "0.0000" : "0.00");

    private static string Escape(string? text) => (text ?? "").Replace("|", "\\|", StringComparison.Ordinal);
}
