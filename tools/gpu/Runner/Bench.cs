using System.Diagnostics;
using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;
using IvySharp.Gpu.Kernels;
using IvySharp.Gpu.Kernels.TensorCores;
using IvySharp.Gpu.Runtime;

namespace IvySharp.Gpu.Runner;

/// <summary>
/// Times every case on the device in three precisions (float32 exact, float32 with TF32 allowed, float16), inputs and
/// weights already on the device, and the projection GEMM alone; merges PyTorch's times of the same calls when given
/// (tools/gpu/torch_bench.py) and writes the report. A call's time includes its result allocation and the final
/// synchronisation (the backend returns only when the device is done).
/// </summary>
internal static class Bench
{
    private static readonly (string Name, DType DType, bool Tf32)[] Modes = [("fp32", DType.Float32, false), ("tf32", DType.Float32, true), ("fp16", DType.Float16, false)];

    public static int Run(RunnerOptions options)
    {
        var budget = Stopwatch.StartNew();
        // Inside run.sh's 150 s timeout with room for the GEMM line and the report.
        double limit = options.Quick ? 40 : 120;
        Dictionary<string, Dictionary<string, double>> torch = ReadTorch(options.Torch, out double? torchGemm, out string? torchDevice);
        var rows = new List<string>();
        foreach (BenchCase c in BenchCase.All(options.Quick))
        {
            foreach ((string mode, DType dtype, bool tf32) in Modes)
            {
                if (budget.Elapsed.TotalSeconds > limit)
                {
                    rows.Add($"| {c.Name} | {mode} | skipped (time budget) | | | |");
                    continue;
                }

                string cell;
                double? ms = null;
                try
                {
                    using (IvySharpGpu.PinTF32(tf32)) ms = Time(c.Prepare(dtype, options.Device), options.Quick);
                    cell = $"{ms:0.000} | {c.Flops / (ms!.Value * 1e-3) / 1e12:0.00}";
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    cell = $"failed: {e.GetType().Name} | ";
                }

                double? theirs = torch.TryGetValue(c.Name, out var byMode) && byMode.TryGetValue(mode, out double t) ? t : null;
                string ratio = ms is { } mine && theirs is { } other ? $"{mine / other:0.00}" : "–";
                rows.Add($"| {c.Name} | {mode} | {cell} | {(theirs is { } x ? $"{x:0.000}" : "–")} | {ratio} |");
                Console.WriteLine(rows[^1]);
            }
        }

        string gemm = GemmLine(options);
        Console.WriteLine(gemm);
        string report = Report(options, rows, gemm, torchGemm, torchDevice, budget.Elapsed.TotalSeconds);
        if (options.Out is { } path) File.WriteAllText(path, report);
        Console.WriteLine(report);
        return 0;
    }

    // Median of repeated calls after warm-up (the first call compiles the kernels): at least 3, at most 20, ~1 s
    // (--quick, on the CPU accelerator: one warm-up, one timed call; the numbers only show the script works).
    private static double Time(Func<MultiHeadAttentionResult> call, bool quick)
    {
        call();
        if (!quick) call();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < (quick ? 1 : 3) || (!quick && times.Count < 20 && total.Elapsed.TotalSeconds < 1.0))
        {
            var one = Stopwatch.StartNew();
            call();
            times.Add(one.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    // The projection GEMM alone, M = N = K (8192; 64 with --quick): exact SIMT, TF32 and float16 tensor cores.
    private static string GemmLine(RunnerOptions options)
    {
        GpuDevice device = IvySharpGpu.Find(options.Device)!;
        int size = options.Quick ? 64 : 8192;
        Accelerator accelerator = device.Accelerator;
        using MemoryBuffer1D<float, Stride1D.Dense> x = accelerator.Allocate1D<float>((long)size * size), w = accelerator.Allocate1D<float>((long)size * size), y = accelerator.Allocate1D<float>((long)size * size);
        x.MemSetToZero();
        w.MemSetToZero();
        var shape = new GemmShape(size, size, size, size, 0, size * size, size, 0, size * size, size, 0, size, 0, 0, 0);
        bool cuda = !device.IsSimulated;
        var results = new List<string>();
        foreach ((string name, Action run) in new (string, Action)[]
        {
            ("fp32 exact", () => { if (cuda) device.Kernels.Project<float, PtxFloat32>(x.View, w.View, y.View, y.View, shape); else device.Kernels.Project<float, CpuFloat32>(x.View, w.View, y.View, y.View, shape); }),
            ("tf32", () => { if (cuda) device.Kernels.ProjectOnTensorCores<PtxTf32>(x.View, w.View, y.View, y.View, shape); else device.Kernels.ProjectOnTensorCores<EmulatedTf32>(x.View, w.View, y.View, y.View, shape); }),
            ("fp16", () => { if (cuda) device.Kernels.ProjectOnTensorCores<PtxF16>(x.View, w.View, y.View, y.View, shape); else device.Kernels.ProjectOnTensorCores<EmulatedF16>(x.View, w.View, y.View, y.View, shape); }),
        })
        {
            lock (device.Gate)
            {
                run();
                accelerator.Synchronize();
                var clock = Stopwatch.StartNew();
                int reps = 0;
                do
                {
                    run();
                    accelerator.Synchronize();
                    reps++;
                }
                while (clock.Elapsed.TotalSeconds < 0.5 && reps < 10);
                double seconds = clock.Elapsed.TotalSeconds / reps;
                results.Add($"{name} {2.0 * size * size * size / seconds / 1e12:0.00} TFLOP/s");
            }
        }

        return $"GEMM {size}³ (projection kernel alone): {string.Join(", ", results)}";
    }

    private static Dictionary<string, Dictionary<string, double>> ReadTorch(string? path, out double? gemm, out string? device)
    {
        gemm = null;
        device = null;
        var times = new Dictionary<string, Dictionary<string, double>>();
        if (path is null || !File.Exists(path) || new FileInfo(path).Length == 0) return times;
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        if (root.TryGetProperty("gemm_fp32_tflops", out JsonElement g)) gemm = g.GetDouble();
        if (root.TryGetProperty("device", out JsonElement d)) device = d.GetString();
        foreach (JsonProperty c in root.GetProperty("cases").EnumerateObject())
        {
            times[c.Name] = c.Value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).ToDictionary(p => p.Name, p => p.Value.GetDouble());
        }

        return times;
    }

    private static string Report(RunnerOptions options, List<string> rows, string gemm, double? torchGemm, string? torchDevice, double seconds) => $"""
        # IvySharp.Gpu benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)

        Device: {IvySharpGpu.Describe(options.Device)}{(torchDevice is null ? "" : $"; PyTorch on {torchDevice}")}. {(options.Quick ? "Quick shapes (--quick). " : "")}
        Median wall time of one call, inputs and weights already on the device, result allocated on the device and the
        device synchronised before the call returns. TFLOP/s counts projections 2·rows·in·out and the core 4·N·L·S·E
        (halved when causal). PyTorch: `nn.MultiheadAttention` on the same shapes (fp32 with TF32 off, TF32 on, fp16),
        CUDA-synchronised (tools/gpu/torch_bench.py); the core-only cases (no projections: long-16k, *-core) against
        PyTorch's scaled_dot_product_attention. Ratio = IvySharp.Gpu ÷ PyTorch (lower is better).

        | case | precision | IvySharp.Gpu ms | TFLOP/s | PyTorch ms | ratio |
        |---|---|---|---|---|---|
        {string.Join("\n", rows)}

        {gemm}{(torchGemm is { } t ? $"; cuBLAS fp32 (PyTorch, TF32 off) {t:0.00} TFLOP/s" : "")}

        Run time {seconds:0} s.
        """;
}
