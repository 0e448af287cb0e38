using System.Diagnostics;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Gpu.Runner;

/// <summary>
/// The GPU machine's correctness run: the contract's E2 and E10 examples, then seeded random calls (the test suite's
/// generator: every argument) computed on the device and compared with the CPU library with the suite's tolerances,
/// dropout positions exactly; then TF32 on float32 calls, reported against its own looser bound.
/// </summary>
internal static class Checks
{
    public static int Run(RunnerOptions options)
    {
        var clock = Stopwatch.StartNew();
        int failures = 0, total = 0;
        IvyArray x = IvyArray.From(new float[] { 1, 0, 0, 1 }, 2, 2).ToDevice(options.Device);
        var (y, w) = Ivy.MultiHeadAttention(x, numHeads: 2, returnAttentionWeights: true);
        failures += Expect("E2 output", y.ToArray<double>(), [0.731059, 0.5, 0.5, 0.731059], ref total);
        failures += Expect("E2 weights", w!.ToArray<double>(), [0.615529, 0.384471, 0.384471, 0.615529], ref total);

        int calls = options.Quick ? Math.Min(options.Calls, 12) : options.Calls;
        foreach (DType dtype in new[] { DType.Float32, DType.Float64, DType.Float16 })
        {
            double worst = 0;
            for (int i = 0; i < calls; i++)
            {
                int seed = 1_000_000 + i;
                total++;
                MhaCall call = RandomCalls.Create(seed, dtype);
                string? problem = Compare(call, options.Device, dtype, ErrorMetric.Tolerance(dtype), ref worst);
                if (problem is null) continue;
                failures++;
                if (failures <= 5) Console.WriteLine($"check: FAILED seed {seed} {dtype}: {problem}\n  {RandomCalls.Describe(call).Replace("\n", "\n  ", StringComparison.Ordinal)}");
            }

            Console.WriteLine($"check: {dtype.ToString().ToLowerInvariant()} {calls} random calls, worst relative error vs the CPU library {worst:0.0e+0} (tolerance {ErrorMetric.Tolerance(dtype):0.0e+0})");
        }

        double tf32Worst = 0;
        using (IvySharpGpu.PinTF32(true))
        {
            for (int i = 0; i < Math.Min(calls, options.Quick ? 4 : 50); i++)
            {
                MhaCall call = RandomCalls.Create(2_000_000 + i, DType.Float32, new RandomCallOptions { AllowDropout = false });
                _ = Compare(call, options.Device, DType.Float32, double.PositiveInfinity, ref tf32Worst);
            }
        }

        Console.WriteLine($"check: tf32 (opt-in) worst relative error vs the CPU library {tf32Worst:0.0e+0} (reported, not a failure)");
        Console.WriteLine($"check: {total - failures} passed, {failures} failed in {clock.Elapsed.TotalSeconds:0.0} s on {options.Device}");
        return failures == 0 ? 0 : 1;
    }

    private static string? Compare(MhaCall call, string device, DType dtype, double tolerance, ref double worst)
    {
        MultiHeadAttentionResult cpu = Copy(call).Invoke();
        MultiHeadAttentionResult gpu;
        try
        {
            gpu = OnDevice(call, device).Invoke();
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }

        DType stored = dtype == DType.Float16 ? DType.Float16 : call.Out?.DType ?? dtype;
        double error = ErrorMetric.MaxRelativeError(gpu.Output.ToArray<double>(), cpu.Output.ToArray<double>(), stored);
        if (gpu.Weights is not null)
        {
            double[] weights = gpu.Weights.ToArray<double>(), cpuWeights = cpu.Weights!.ToArray<double>();
            error = Math.Max(error, ErrorMetric.MaxRelativeError(weights, cpuWeights, dtype));
            if (call.Training && call.Dropout > 0 && !call.AverageAttentionWeights && weights.Where((v, j) => (v == 0) != (cpuWeights[j] == 0)).Any())
            {
                return "dropout dropped other positions than the CPU";
            }
        }

        worst = Math.Max(worst, error);
        return error <= Math.Max(tolerance, ErrorMetric.Tolerance(dtype, stored)) ? null : $"relative error {error:0.00e+0}";
    }

    private static int Expect(string what, double[] actual, double[] expected, ref int total)
    {
        total++;
        bool ok = actual.Length == expected.Length && actual.Zip(expected).All(p => Math.Abs(p.First - p.Second) < 2e-6);
        Console.WriteLine($"check: {what} {(ok ? "ok" : $"FAILED: [{string.Join(", ", actual)}]")}");
        return ok ? 0 : 1;
    }

    private static MhaCall OnDevice(MhaCall call, string device) => Map(call, a => a.ToDevice(device));

    // A fresh host copy, so a call whose @out is an input runs twice from the same data.
    private static MhaCall Copy(MhaCall call) => Map(call, a => a.DType switch
    {
        DType.Float16 => IvyArray.From(a.ToArray<Half>(), a.Shape),
        DType.Float32 => IvyArray.From(a.ToArray<float>(), a.Shape),
        DType.Float64 => IvyArray.From(a.ToArray<double>(), a.Shape),
        _ => IvyArray.From(a.ToArray<bool>(), a.Shape),
    });

    // Every array through `move`, one array passed twice (an @out aliasing the query) staying one array.
    private static MhaCall Map(MhaCall call, Func<IvyArray, IvyArray> move)
    {
        var moved = new Dictionary<IvyArray, IvyArray>(ReferenceEqualityComparer.Instance);
        IvyArray? M(IvyArray? a) => a is null ? null : moved.TryGetValue(a, out IvyArray? m) ? m : moved[a] = move(a);
        return call with
        {
            Query = M(call.Query)!, Key = M(call.Key), Value = M(call.Value), AttentionMask = M(call.AttentionMask),
            InProjWeights = M(call.InProjWeights), QProjWeights = M(call.QProjWeights), KProjWeights = M(call.KProjWeights),
            VProjWeights = M(call.VProjWeights), OutProjWeights = M(call.OutProjWeights), InProjBias = M(call.InProjBias),
            OutProjBias = M(call.OutProjBias), KeyPaddingMask = M(call.KeyPaddingMask), BiasK = M(call.BiasK), BiasV = M(call.BiasV),
            StaticK = M(call.StaticK), StaticV = M(call.StaticV), Out = M(call.Out),
        };
    }
}
