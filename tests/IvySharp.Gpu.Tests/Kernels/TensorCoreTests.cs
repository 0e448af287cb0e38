using System.Globalization;
using IvySharp.Gpu.Kernels.TensorCores;
using IvySharp.Gpu.Tests.Support;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Gpu.Tests.Kernels;

/// <summary>
/// The tensor-core path without a tensor core: the fragment layout against the PTX ISA's figures, and the tiled
/// GEMM around the C# form of <c>mma.sync</c> on the CPU accelerator — float16 calls always take it (the random
/// calls of <see cref="Attention.RandomCallsOnDevice"/>), float32 calls when TF32 is allowed (here).
/// </summary>
public sealed class TensorCoreTests(ITestOutputHelper output)
{
    [Fact]
    public void Fragment_layout_is_the_ptx_isa_figures()
    {
        // Lane 5: groupID 1, threadID_in_group 1 (PTX ISA, "Matrix Fragments for mma.m16n8k8" and "m16n8k16").
        Assert.Equal((1, 1), MmaLayout.Tf32A(5, 0));
        Assert.Equal((9, 1), MmaLayout.Tf32A(5, 1));
        Assert.Equal((1, 5), MmaLayout.Tf32A(5, 2));
        Assert.Equal((9, 5), MmaLayout.Tf32A(5, 3));
        Assert.Equal((1, 1), MmaLayout.Tf32B(5, 0));
        Assert.Equal((5, 1), MmaLayout.Tf32B(5, 1));
        Assert.Equal((1, 2), MmaLayout.F16A(5, 0));
        Assert.Equal((9, 2), MmaLayout.F16A(5, 1));
        Assert.Equal((1, 10), MmaLayout.F16A(5, 2));
        Assert.Equal((9, 10), MmaLayout.F16A(5, 3));
        Assert.Equal((2, 1), MmaLayout.F16B(5, 0));
        Assert.Equal((10, 1), MmaLayout.F16B(5, 1));
        Assert.Equal((1, 2), MmaLayout.C(5, 0));
        Assert.Equal((1, 3), MmaLayout.C(5, 1));
        Assert.Equal((9, 2), MmaLayout.C(5, 2));
        Assert.Equal((9, 3), MmaLayout.C(5, 3));

        // Every element of each tile is held by exactly one (lane, register).
        Assert.Equal(128, Enumerable.Range(0, 32).SelectMany(l => Enumerable.Range(0, 4).Select(j => MmaLayout.Tf32A(l, j))).Distinct().Count());
        Assert.Equal(128, Enumerable.Range(0, 32).SelectMany(l => Enumerable.Range(0, 4).Select(j => MmaLayout.C(l, j))).Distinct().Count());
    }

    [Fact]
    public void Tf32_rounding_is_nearest_with_ties_away_and_keeps_special_values()
    {
        Assert.Equal(0x3F800000u, MmaLayout.ToTf32(BitConverter.UInt32BitsToSingle(0x3F800FFF)));
        Assert.Equal(0x3F802000u, MmaLayout.ToTf32(BitConverter.UInt32BitsToSingle(0x3F801000)));
        Assert.Equal(0xBF802000u, MmaLayout.ToTf32(BitConverter.UInt32BitsToSingle(0xBF801000)));
        Assert.Equal(BitConverter.SingleToUInt32Bits(float.PositiveInfinity), MmaLayout.ToTf32(float.PositiveInfinity));
        Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle(MmaLayout.ToTf32(float.NaN))));
    }

    [Fact]
    public void Tf32_opt_in_runs_the_tensor_core_gemm_within_tf32_accuracy()
    {
        string device = GpuDevices.CpuAccelerator;
        double worst = 0, exactWorst = 0;
        bool differs = false;
        for (int seed = 2_000_000; seed < 2_000_006; seed++)
        {
            MhaCall call = RandomCalls.Create(seed, DType.Float32, new RandomCallOptions { AllowOut = false, AllowDropout = false });
            ReferenceResult expected = ReferenceAttention.Compute(call);
            double[] exact = A.D(call.OnDevice(device).Invoke().Output), tf32;
            using (IvySharpGpu.PinTF32(true)) tf32 = A.D(call.OnDevice(device).Invoke().Output);
            differs |= !exact.SequenceEqual(tf32);
            worst = Math.Max(worst, ErrorMetric.MaxRelativeError(tf32, expected.Output, DType.Float32));
            exactWorst = Math.Max(exactWorst, ErrorMetric.MaxRelativeError(exact, expected.Output, DType.Float32));
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: gpu {device} TF32 projections (opt-in) worst relative error {worst:0.0e+0} vs exact float32 {exactWorst:0.0e+0} on 6 random calls"));
        Assert.True(differs, "TF32 gave the exact path's bits: the tensor-core GEMM did not run");
        Assert.True(worst < 2e-2, $"TF32 worst relative error {worst:0.0e+0}");
    }
}
