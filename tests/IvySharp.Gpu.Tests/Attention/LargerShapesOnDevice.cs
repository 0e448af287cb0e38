using System.Globalization;
using IvySharp.Gpu.Tests.Support;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Gpu.Tests.Attention;

/// <summary>
/// Shapes the small random calls never reach: several 32-key chunks (the online softmax rescaling between them),
/// causal blocks that stop early, heads wider than 128 columns (two sweeps), GEMM tiles with ragged edges, and
/// query blocks cut by L — against the float64 reference, with dropout positions checked against the CPU.
/// </summary>
public abstract class LargerShapesOnDevice(ITestOutputHelper output)
{
    protected abstract string Device { get; }

    public static TheoryData<string> Cases() => ["causal-packed-dropout-f32", "causal-packed-f64", "cross-wide-head-f32", "cross-masks-f16"];

    [SkippableTheory, MemberData(nameof(Cases))]
    public void Larger_calls_match_the_reference(string name)
    {
        string device = Device;
        var random = new Random(name.Length * 7919);
        DType dtype = name.EndsWith("f64", StringComparison.Ordinal) ? DType.Float64 : name.EndsWith("f16", StringComparison.Ordinal) ? DType.Float16 : DType.Float32;
        IvyArray F(params int[] shape) => A.F(dtype, [.. Enumerable.Range(0, shape.Aggregate(1, (x, y) => x * y)).Select(_ => (random.NextDouble() * 2) - 1)], shape);
        MhaCall call = name switch
        {
            "causal-packed-dropout-f32" or "causal-packed-f64" => new MhaCall
            {
                Query = F(2, 70, 16), NumHeads = 2, InProjWeights = F(48, 16), InProjBias = F(48), OutProjWeights = F(16, 16), IsCausal = true,
                ReturnAttentionWeights = true, AverageAttentionWeights = false,
                Dropout = dtype == DType.Float32 ? 0.2 : 0, Training = dtype == DType.Float32, Seed = 17,
            },
            "cross-wide-head-f32" => new MhaCall
            {
                Query = F(5, 1, 260), Key = F(100, 1, 260), Value = F(100, 1, 260), BatchFirst = false, NumHeads = 2,
                BiasK = F(260), BiasV = F(260), AddZeroAttn = true, ReturnAttentionWeights = true,
                KeyPaddingMask = A.B([.. Enumerable.Range(0, 100).Select(j => j % 7 == 3)], 1, 100),
            },
            _ => new MhaCall
            {
                Query = F(3, 9, 24), Key = F(3, 67, 12), Value = F(3, 67, 20), NumHeads = 3,
                QProjWeights = F(24, 24), KProjWeights = F(24, 12), VProjWeights = F(24, 20), OutProjWeights = F(8, 24), OutProjBias = F(8),
                AttentionMask = F(9, 67), KeyPaddingMask = A.B([.. Enumerable.Range(0, 3 * 67).Select(j => j % 11 == 0)], 3, 67),
            },
        };

        ReferenceResult expected = ReferenceAttention.Compute(call);
        MultiHeadAttentionResult cpu = call.Invoke(), actual = call.OnDevice(device).Invoke();
        double outputError = ErrorMetric.MaxRelativeError(A.D(actual.Output), expected.Output, dtype);
        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture, $"accuracy: gpu {device} {name} output {outputError:0.0e+0}"));
        Assert.True(outputError <= ErrorMetric.Tolerance(dtype), $"output relative error {outputError:0.0e+0}");
        if (expected.Weights is null) return;
        double[] weights = A.D(actual.Weights!), cpuWeights = A.D(cpu.Weights!);
        double weightsError = ErrorMetric.MaxRelativeError(weights, expected.Weights, dtype);
        Assert.True(weightsError <= ErrorMetric.Tolerance(dtype), $"weights relative error {weightsError:0.0e+0}");
        for (int j = 0; j < weights.Length; j++) Assert.True((weights[j] == 0) == (cpuWeights[j] == 0), $"weight {j}: device {weights[j]}, CPU {cpuWeights[j]}");
    }
}

public sealed class LargerShapesOnCpuAccelerator(ITestOutputHelper output) : LargerShapesOnDevice(output)
{
    protected override string Device => GpuDevices.CpuAccelerator;
}

public sealed class LargerShapesOnCuda(ITestOutputHelper output) : LargerShapesOnDevice(output)
{
    protected override string Device => GpuDevices.Cuda;
}
