using System.Globalization;
using System.Text;
using IvySharp.Gpu.Tests.Support;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Gpu.Tests.Attention;

/// <summary>
/// The CPU suite's seeded random calls (every argument and combination: layouts, projection routes, masks of
/// both kinds and shapes, bias/zero columns, static K/V, causal, weights averaged or per head, dropout, @out fresh,
/// converted or aliased) computed on a device and compared with the float64 reference and with the CPU library's
/// own result, with the tolerances the CPU engine holds (<see cref="ErrorMetric"/>). Dropout decisions must match the
/// CPU exactly: a weight is zero on the device exactly when it is on the CPU. Fewer calls than the CPU suite
/// (the CPU accelerator runs a kernel launch in milliseconds), the same seeds.
/// </summary>
public abstract class RandomCallsOnDevice(ITestOutputHelper output)
{
    /// <summary>
    /// Calls per dtype; seeds start at the CPU suite's first. On the CPU accelerator a call costs ~0.3 s of this
    /// 2-core machine (each kernel launch runs 32- or 256-thread groups on OS threads), so 40 keep the project's
    /// run near a minute; every argument still appears (the CPU suite's coverage test shows how often).
    /// </summary>
    protected virtual int Calls => 40;

    private const int FirstSeed = 1_000_000;

    /// <summary>The device the calls run on.</summary>
    protected abstract string Device { get; }

    [SkippableTheory, InlineData(DType.Float32), InlineData(DType.Float64), InlineData(DType.Float16)]
    public void Random_calls_match_the_float64_reference_and_the_cpu_library(DType dtype)
    {
        string device = Device;
        double worstReference = 0, worstCpu = 0, worstConverted = 0;
        int failures = 0;
        var report = new StringBuilder();
        for (int i = 0; i < Calls; i++)
        {
            int seed = FirstSeed + i;
            MhaCall call = RandomCalls.Create(seed, dtype);
            string arguments = RandomCalls.Describe(call);
            ReferenceResult expected = ReferenceAttention.Compute(call);
            MultiHeadAttentionResult cpu = call.Copy().Invoke();
            MhaCall onDevice = call.OnDevice(device);
            MultiHeadAttentionResult actual;
            try
            {
                actual = onDevice.Invoke();
            }
            catch (Exception ex)
            {
                Fail(seed, $"threw {ex.GetType().Name}: {ex.Message}", arguments);
                continue;
            }

            if (actual.Output.Device != device) Fail(seed, $"output lives on {actual.Output.Device}", arguments);
            if (onDevice.Out is not null && !ReferenceEquals(actual.Output, onDevice.Out)) Fail(seed, "the returned output is not @out", arguments);
            DType outputType = call.Out?.DType ?? dtype;
            DType precision = dtype == DType.Float16 ? DType.Float16 : outputType;
            double[] got = A.D(actual.Output);

            // An output stored in another dtype through @out is reported apart: its rounding is not the kernels' error.
            bool converted = outputType != dtype;
            Measure("output vs reference", seed, got, expected.Output, precision, ErrorMetric.Tolerance(dtype, precision), ref converted ? ref worstConverted : ref worstReference, arguments);
            Measure("output vs CPU", seed, got, A.D(cpu.Output), precision, ErrorMetric.Tolerance(dtype, precision), ref converted ? ref worstConverted : ref worstCpu, arguments);
            if (expected.Weights is null) continue;
            if (actual.Weights is null)
            {
                Fail(seed, "weights asked for but not returned", arguments);
                continue;
            }

            double[] weights = A.D(actual.Weights), cpuWeights = A.D(cpu.Weights!);
            Measure("weights vs reference", seed, weights, expected.Weights, dtype, ErrorMetric.Tolerance(dtype), ref worstReference, arguments);
            Measure("weights vs CPU", seed, weights, cpuWeights, dtype, ErrorMetric.Tolerance(dtype), ref worstCpu, arguments);
            if (call.Training && call.Dropout > 0 && !call.AverageAttentionWeights)
            {
                for (int j = 0; j < weights.Length; j++)
                {
                    if ((weights[j] == 0) != (cpuWeights[j] == 0))
                    {
                        Fail(seed, $"dropout differs from the CPU at weight {j}: device {weights[j]}, CPU {cpuWeights[j]}", arguments);
                        break;
                    }
                }
            }
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: gpu {device} random {dtype.ToString().ToLowerInvariant()} over {Calls} calls: worst relative error vs float64 reference {worstReference:0.0e+0}, vs CPU library {worstCpu:0.0e+0}, tolerance {ErrorMetric.Tolerance(dtype):0.0e+0}; outputs converted through @out: worst {worstConverted:0.0e+0} (against that dtype's tolerance)"));
        Assert.True(failures == 0, $"{failures} failing comparisons on {device}; the first ones:\n{report}");

        void Measure(string what, int seed, double[] got, double[] want, DType stored, double tolerance, ref double worst, string arguments)
        {
            double error = ErrorMetric.MaxRelativeError(got, want, stored, out int at);
            if (error > tolerance)
            {
                Fail(seed, string.Create(CultureInfo.InvariantCulture,
                    $"{what}: relative error {error:0.00e+0} > {tolerance:0.0e+0} at {at}: got {(at < got.Length ? got[at] : double.NaN):R}, expected {(at < want.Length ? want[at] : double.NaN):R}"), arguments);
            }

            if (error > worst && error <= tolerance) worst = error;
        }

        void Fail(int seed, string what, string arguments)
        {
            failures++;
            if (failures <= 3) report.Append(CultureInfo.InvariantCulture, $"seed {seed} ({dtype}): {what}\n{arguments}\n");
        }
    }
}

/// <summary>The random calls on ILGPU's CPU accelerator (every <c>dotnet test</c>).</summary>
public sealed class RandomCallsOnCpuAccelerator(ITestOutputHelper output) : RandomCallsOnDevice(output)
{
    protected override string Device => GpuDevices.CpuAccelerator;
}

/// <summary>The random calls on the first CUDA GPU (more of them: a GPU runs each in well under a millisecond); skipped where there is none.</summary>
public sealed class RandomCallsOnCuda(ITestOutputHelper output) : RandomCallsOnDevice(output)
{
    protected override int Calls => 3000;

    protected override string Device => GpuDevices.Cuda;
}
