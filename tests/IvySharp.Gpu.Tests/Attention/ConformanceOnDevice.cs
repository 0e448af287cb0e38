using IvySharp.Gpu.Tests.Support;
using IvySharp.Tests.Support;

namespace IvySharp.Gpu.Tests.Attention;

/// <summary>
/// The contract's conformance examples E1–E13 (§11) computed on a device, in float32 and float64, and E10 (every
/// projection) in float16 too: values to the contract's 6 decimals, result and weights living on the device.
/// </summary>
public abstract class ConformanceOnDevice
{
    private const double Tolerance = 1.5e-6;

    /// <summary>The device the examples run on.</summary>
    protected abstract string Device { get; }

    private static IvyArray X(DType dtype) => A.F(dtype, [1, 0, 0, 1], 2, 2);

    [SkippableTheory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void E1_to_E9_and_E12_on_the_unbatched_base_input(DType dtype)
    {
        string device = Device;
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1 }, [0.669762, 0.330238, 0.330238, 0.669762]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 2, ReturnAttentionWeights = true },
            [0.731059, 0.5, 0.5, 0.731059], [0.615529, 0.384471, 0.384471, 0.615529]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 2, ReturnAttentionWeights = true, AverageAttentionWeights = false },
            [0.731059, 0.5, 0.5, 0.731059], [0.731059, 0.268941, 0.5, 0.5, 0.5, 0.5, 0.268941, 0.731059]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, IsCausal = true, AttentionMask = A.F(dtype, [5, -100, 7, 3], 2, 2) },
            [1, 0, 0.330238, 0.669762]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, IsCausal = true, AttentionMask = A.B([true, true, true, true], 2, 2) },
            [1, 0, 0.330238, 0.669762]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, KeyPaddingMask = A.B([false, true], 2) }, [1, 0, 1, 0]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, AddZeroAttn = true, ReturnAttentionWeights = true },
            [0.50349, 0.248255, 0.248255, 0.50349], [0.50349, 0.248255, 0.248255, 0.248255, 0.50349, 0.248255]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, BiasK = A.F(dtype, [1, 1], 2), BiasV = A.F(dtype, [2, -2], 2), ReturnAttentionWeights = true },
            [1.203336, -0.604448, 1.0, -0.401112], [0.401112, 0.197776, 0.401112, 0.197776, 0.401112, 0.401112]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, AttentionMask = A.F(dtype, [0, -1, 0, 0], 2, 2) },
            [0.846461, 0.153539, 0.330238, 0.669762]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, Scale = 0 }, [0.5, 0.5, 0.5, 0.5]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, Scale = 1 }, [0.731059, 0.268941, 0.268941, 0.731059]);
        Check(device, new MhaCall { Query = X(dtype), NumHeads = 1, KeyPaddingMask = A.B([true, true], 2), ReturnAttentionWeights = true },
            [0, 0, 0, 0], [0, 0, 0, 0]);
    }

    [SkippableTheory, InlineData(DType.Float32), InlineData(DType.Float64), InlineData(DType.Float16)]
    public void E10_every_projection_with_biases(DType dtype)
    {
        var call = new MhaCall
        {
            Query = X(dtype), NumHeads = 2,
            InProjWeights = A.F(dtype, [0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1], 6, 2),
            InProjBias = A.F(dtype, [.1, -.1, .2, 0, 0, .3], 6),
            OutProjWeights = A.F(dtype, [1, 2, 0, 1, 1, 1], 3, 2),
            OutProjBias = A.F(dtype, [0, 1, -1], 3),
            ReturnAttentionWeights = true,
        };

        // float16: the inputs and the result are rounded to float16 (ulp 2⁻¹⁰ relative), so the check is looser.
        Check(Device, call, [3.55075, 2.35025, 1.2005, 3.5515, 2.3505, 1.201], [0.4975, 0.5025, 0.495, 0.505],
            dtype == DType.Float16 ? 4e-3 : Tolerance);
    }

    [SkippableTheory, InlineData(DType.Float32), InlineData(DType.Float64)]
    public void E11_and_E13_batched_in_both_layouts(DType dtype)
    {
        string device = Device;
        Check(device, new MhaCall { Query = A.F(dtype, [1, 0, 0, 1, 2, 0, 0, 2], 2, 2, 2), NumHeads = 1 },
            [0.669762, 0.330238, 0.330238, 0.669762, 1.888386, 0.111614, 0.111614, 1.888386]);
        IvyArray keys = A.F(dtype, [0, .2, .4, .6, .8, 1, 1.2, 1.4], 4, 1, 2);
        Check(device, new MhaCall
            {
                Query = A.F(dtype, [0, .2, .4, .6, .8, 1], 3, 1, 2), Key = keys, Value = keys, BatchFirst = false, NumHeads = 2,
                ReturnAttentionWeights = true, AverageAttentionWeights = false,
            },
            [0.6, 0.839928, 0.679425, 0.918084, 0.755532, 0.991455],
            [.25, .25, .25, .25, .193547, .227129, .266538, .312786, .145237, .20001, .275439, .379315,
             .220846, .239239, .259165, .28075, .1683, .213952, .271986, .345762, .124417, .185608, .276895, .413079]);
    }

    private static void Check(string device, MhaCall call, double[] output, double[]? weights = null, double tolerance = Tolerance)
    {
        MultiHeadAttentionResult result = call.OnDevice(device).Invoke();
        Assert.Equal(device, result.Output.Device);
        Assert.Equal(call.Query.DType, result.Output.DType);
        Assert.Equal(output, A.D(result.Output), (a, e) => Math.Abs(a - e) <= tolerance);
        if (weights is null)
        {
            Assert.Null(result.Weights);
            return;
        }

        Assert.Equal(device, result.Weights!.Device);
        Assert.Equal(weights, A.D(result.Weights), (a, e) => Math.Abs(a - e) <= tolerance);
    }
}

/// <summary>The examples on ILGPU's CPU accelerator (every <c>dotnet test</c>).</summary>
public sealed class ConformanceOnCpuAccelerator : ConformanceOnDevice
{
    protected override string Device => Support.GpuDevices.CpuAccelerator;
}

/// <summary>The examples on the first CUDA GPU; skipped, with the reason, where there is none.</summary>
public sealed class ConformanceOnCuda : ConformanceOnDevice
{
    protected override string Device => Support.GpuDevices.Cuda;
}
