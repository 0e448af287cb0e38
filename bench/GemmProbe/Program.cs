using System.Diagnostics;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

// Throwaway GEMM timing harness: dotnet run -c Release -- [ceiling] | [M N K threads reps variant]...
if (args.Length > 0 && args[0] == "ceiling") { Ceiling.Run(); return; }
if (args.Length > 0 && args[0] == "attend") { Attend.Run(args); return; }
if (args.Length > 0 && args[0] == "ceilings") { foreach (var r in IvySharp.Benchmarks.Reference.FmaCeiling.Measure(2)) Console.WriteLine(IvySharp.Benchmarks.Reference.FmaCeiling.Describe(r)); return; }
if (args.Length > 0 && args[0] == "pack") { Pack.Run(); return; }
if (args.Length > 0 && args[0] == "chunks") { Chunks.Run(int.Parse(args[1])); return; }
if (args.Length > 0 && args[0] == "accuracy") { Accuracy.Run(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3])); return; }
if (args.Length > 0 && args[0] == "overhead") { Overhead.Run(args); return; }
if (args.Length > 0 && args[0] == "callcost") { CallCost.Run(args); return; }
if (args.Length > 0 && args[0] == "cold") { ColdWeights.Run(args); return; }
if (args.Length > 0 && args[0] == "kernel") { KernelOnly.Run(int.Parse(args[1])); return; }

(int M, int N, int K)[] shapes = args.Length >= 3
    ? [(int.Parse(args[0]), int.Parse(args[1]), int.Parse(args[2]))]
    : [(4096, 2304, 768), (4096, 768, 768), (2048, 2048, 2048), (16, 192, 64)];
int[] threadCounts = args.Length >= 4 ? [int.Parse(args[3])] : [1, 2];
int repsWanted = args.Length >= 5 ? int.Parse(args[4]) : 0;
var variant = args.Length >= 6 ? KernelVariant.Parse(args[5]) : KernelVariant.Vector512;

Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}  variant {variant}  head {Environment.GetEnvironmentVariable("HEAD")}  packed {Environment.GetEnvironmentVariable("PACKED") == "1"}");
foreach (var (m, n, k) in shapes)
{
    var random = new Random(1);
    if (Environment.GetEnvironmentVariable("DOUBLE") == "1") { Generic.Measure<double>(m, n, k, threadCounts, repsWanted, variant); continue; }
    float[] x = new float[m * k], w = new float[n * k], bias = new float[n], y = new float[m * n];
    for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
    for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() * 2 - 1);
    for (int i = 0; i < bias.Length; i++) bias[i] = (float)(random.NextDouble() * 2 - 1);
    double flops = 2.0 * m * n * k;
    // HEAD=d: scatter head-major (heads, rows, d) through the offset tables, as the attention engine does.
    int head = int.TryParse(Environment.GetEnvironmentVariable("HEAD"), out int h) ? h : 0;
    int[] rowOffsets = Enumerable.Range(0, m).Select(r => r * Math.Max(head, 1)).ToArray();
    int[] columnOffsets = Enumerable.Range(0, n).Select(c => head == 0 ? c : ((c / head) * m * head) + (c % head)).ToArray();
    if (head == 0) for (int r = 0; r < m; r++) rowOffsets[r] = r * n;
    foreach (int threads in threadCounts)
    {
        using var scope = KernelSelector.Use(threads: threads);
        int reps = repsWanted > 0 ? repsWanted : (int)Math.Clamp(3e9 / flops, 7, 20000);
        // PACKED=1: W packed once outside the timing (Gemm.Pack), each call only multiplies (Gemm.Run).
        PackedWeights<float>? packed = Environment.GetEnvironmentVariable("PACKED") == "1" ? Gemm<float>.Pack(w, n, k, bias, variant) : null;
        void Call()
        {
            if (packed is not null && head == 0) Gemm<float>.Run(packed, x, m, k, y, n);
            else if (packed is not null) Gemm<float>.Run(packed, x, m, k, y, rowOffsets, columnOffsets);
            else if (head == 0) Gemm<float>.MultiplyTransposed(x, m, k, k, w, n, bias, y, n, variant);
            else Gemm<float>.MultiplyTransposed(x, m, k, k, w, n, bias, y, rowOffsets, columnOffsets, variant);
        }

        // Warm up for at least half a second: the tiered JIT replaces tier-0 code only after ~100 ms of calls.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.ElapsedMilliseconds < 500; i++) Call();
        var host = new HostLoad();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        Array.Sort(times);
        double median = times[reps / 2], best = times[0];
        Console.WriteLine($"{m}x{n}x{k} {threads}T: median {flops / median / 1e9,6:F1} GFLOP/s  best {flops / best / 1e9,6:F1}  ({median * 1e3:F3} ms, {reps} reps, others used {host.OthersCores():F2} cores)");
    }
}
Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}");
