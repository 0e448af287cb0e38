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
        foreach (bool average in (bool[])[false, true])
        {
            // Per head as it is; averaged also causal and through an output projection.
            MhaCall call = SubnormalScaleCalls.InfiniteKey(dtype, average, causalWithProjection: average);
            ReferenceResult expected = ReferenceAttention.Compute(call);
            MultiHeadAttentionResult cpu = call.Copy().Invoke();
            MultiHeadAttentionResult actual = call.OnDevice(device).Invoke();
            string label = $"{dtype} average={average}";
            SubnormalScaleCalls.AssertMatches(expected.Output, A.D(actual.Output), dtype, label + " output against the reference");
            SubnormalScaleCalls.AssertMatches(expected.Weights!, A.D(actual.Weights!), dtype, label + " weights against the reference");
            SubnormalScaleCalls.AssertMatches(A.D(cpu.Output), A.D(actual.Output), dtype, label + " output against the CPU");
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
