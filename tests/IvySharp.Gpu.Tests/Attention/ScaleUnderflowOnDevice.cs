using IvySharp.Gpu.Tests.Support;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Gpu.Tests.Attention;

/// <summary>
/// The CPU suite's <c>ScaleUnderflowTests</c> on a device: with the smallest subnormal scale, scale·q rounds to 0 for
/// queries of about 0.3, and a −∞ key feature must give the contract's −∞ score (weight 0), not 0·∞ = NaN. The device
/// places the scale on the scores for such a call, as the CPU does, and must give the CPU's result and the reference's.
/// </summary>
public abstract class ScaleUnderflowOnDevice
{
    /// <summary>The device the calls run on.</summary>
    protected abstract string Device { get; }

    [SkippableTheory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void An_infinite_key_under_a_subnormal_scale_gives_the_contracts_score_not_nan(DType dtype)
    {
        string device = Device;
        double scale = dtype == DType.Float32 ? float.Epsilon : double.Epsilon;
        var r = new Random(5);
        double[] keys = Values(r, 2 * 5 * 4);
        keys[(1 * 4) + 1] = double.NegativeInfinity;
        foreach (bool average in (bool[])[false, true])
        {
            var call = new MhaCall
            {
                Query = A.F(dtype, Values(r, 2 * 3 * 4), 2, 3, 4), Key = A.F(dtype, keys, 2, 5, 4), Value = A.F(dtype, Values(r, 2 * 5 * 4), 2, 5, 4),
                NumHeads = 2, Scale = scale, IsCausal = average, OutProjWeights = average ? A.F(dtype, Values(r, 16), 4, 4) : null,
                ReturnAttentionWeights = true, AverageAttentionWeights = average,
            };
            ReferenceResult expected = ReferenceAttention.Compute(call);
            MultiHeadAttentionResult cpu = call.Copy().Invoke();
            MultiHeadAttentionResult actual = call.OnDevice(device).Invoke();
            string label = $"{dtype} average={average}";
            AssertClose(expected.Output, A.D(actual.Output), label + " output against the reference");
            AssertClose(expected.Weights!, A.D(actual.Weights!), label + " weights against the reference");
            AssertClose(A.D(cpu.Output), A.D(actual.Output), label + " output against the CPU");
        }
    }

    private static double[] Values(Random r, int count) => Enumerable.Range(0, count).Select(_ => 0.25 + (0.5 * r.NextDouble())).ToArray();

    // NaN exactly where the expected value is NaN, else within 1e-5 (the scores are about 0 either way).
    private static void AssertClose(double[] expected, double[] actual, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(double.IsNaN(expected[i]) == double.IsNaN(actual[i]) && (double.IsNaN(expected[i]) || Math.Abs(expected[i] - actual[i]) <= 1e-5),
                $"{label}[{i}]: got {actual[i]}, expected {expected[i]}");
        }
    }
}

/// <summary>On ILGPU's CPU accelerator (every <c>dotnet test</c>).</summary>
public sealed class ScaleUnderflowOnCpuAccelerator : ScaleUnderflowOnDevice
{
    protected override string Device => GpuDevices.CpuAccelerator;
}

/// <summary>On the first CUDA GPU; skipped, with the reason, where there is none.</summary>
public sealed class ScaleUnderflowOnCuda : ScaleUnderflowOnDevice
{
    protected override string Device => GpuDevices.Cuda;
}
