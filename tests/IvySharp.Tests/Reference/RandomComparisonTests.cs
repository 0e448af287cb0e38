using System.Globalization;
using System.Text;
using IvySharp.Kernels;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reference;

/// <summary>
/// Thousands of seeded random valid calls (<see cref="RandomCalls"/>), library against the float64
/// <see cref="ReferenceAttention"/>, in float16, float32 and float64, once per kernel variant this
/// processor supports (pinned with <see cref="KernelSelector.Use"/>). Tolerances and the error measure
/// are <see cref="ErrorMetric"/>'s. Each row writes its worst error on a line starting <c>accuracy:</c>.
/// </summary>
public sealed class RandomComparisonTests(ITestOutputHelper output)
{
    /// <summary>
    /// Calls per dtype and variant. The same seeds run on every variant: the cost is mostly generating the
    /// calls and the reference (about 17 s of CPU for the whole Reference suite, all variants), so
    /// non-default variants need no smaller share.
    /// </summary>
    internal const int Calls = 3000;

    /// <summary>Case i uses seed FirstSeed + i, so a failure names the seed to rerun with <see cref="RandomCalls.Create"/>.</summary>
    internal const int FirstSeed = 1_000_000;

    // KernelVariant is internal, so the theory takes its name.
    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (KernelVariant variant in KernelVariant.All)
        {
            if (!KernelSelector.IsSupported(variant)) continue;
            foreach (DType dtype in new[] { DType.Float32, DType.Float64, DType.Float16 }) data.Add(variant.ToString(), dtype);
        }

        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Library_matches_the_float64_reference_on_random_calls(string variantName, DType dtype)
    {
        var variant = KernelVariant.Parse(variantName);
        const int calls = Calls;
        double worstOutput = 0, worstWeights = 0, worstConverted = 0;
        int worstOutputSeed = -1, worstWeightsSeed = -1, worstConvertedSeed = -1, failures = 0, converted = 0;
        var report = new StringBuilder();
        for (int i = 0; i < calls; i++)
        {
            int seed = FirstSeed + i;
            MhaCall call = RandomCalls.Create(seed, dtype);
            string arguments = RandomCalls.Describe(call); // before the call: Out may alias an input
            ReferenceResult expected = ReferenceAttention.Compute(call);
            MultiHeadAttentionResult actual;
            try
            {
                using (KernelSelector.Use(variant)) actual = call.Invoke();
            }
            catch (Exception ex)
            {
                Fail(seed, $"threw {ex.GetType().Name}: {ex.Message}", arguments);
                continue;
            }

            DType outputType = call.Out?.DType ?? dtype;
            if (call.Out is not null && !ReferenceEquals(actual.Output, call.Out))
            {
                Fail(seed, "the returned output is not the given @out array", arguments);
            }

            // A float16 call's result is float16 whatever @out holds (it receives that result converted), so
            // its precision is float16's even when stored wider.
            DType precision = dtype == DType.Float16 ? DType.Float16 : outputType;
            double outputError = Compare("output", seed, actual.Output, outputType, expected.Output, expected.OutputShape,
                ErrorMetric.Tolerance(dtype, precision), arguments, precision);
            if (outputType != dtype)
            {
                // Stored in another dtype through @out: reported apart, its rounding is not the kernel's error.
                converted++;
                if (outputError > worstConverted)
                {
                    worstConverted = outputError;
                    worstConvertedSeed = seed;
                }
            }
            else if (outputError > worstOutput)
            {
                worstOutput = outputError;
                worstOutputSeed = seed;
            }

            if (expected.Weights is null)
            {
                if (actual.Weights is not null) Fail(seed, "weights returned but not asked for", arguments);
                continue;
            }

            if (actual.Weights is null)
            {
                Fail(seed, "weights asked for but not returned", arguments);
                continue;
            }

            double weightsError = Compare("weights", seed, actual.Weights, dtype, expected.Weights, expected.WeightsShape!,
                ErrorMetric.Tolerance(dtype), arguments);
            if (weightsError > worstWeights)
            {
                worstWeights = weightsError;
                worstWeightsSeed = seed;
            }
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: random-reference {dtype.ToString().ToLowerInvariant()} variant {variant} worst relative error " +
            $"output {worstOutput:0.0e+0} (seed {worstOutputSeed}), weights {worstWeights:0.0e+0} (seed {worstWeightsSeed}) " +
            $"over {calls} calls, tolerance {ErrorMetric.Tolerance(dtype):0.0e+0}; " +
            $"{converted} outputs converted to another dtype through @out: worst {worstConverted:0.0e+0} (seed {worstConvertedSeed}) against that dtype's tolerance"));
        Assert.True(failures == 0, $"{failures} failing comparisons in {calls} {dtype} calls on {variant}; the first ones:\n{report}");

        double Compare(string what, int seed, IvyArray got, DType gotType, double[] want, int[] wantShape, double tolerance, string arguments,
            DType? precision = null)
        {
            if (!got.Shape.SequenceEqual(wantShape))
            {
                Fail(seed, $"{what} shape ({string.Join(", ", got.Shape)}), expected ({string.Join(", ", wantShape)})", arguments);
                return double.PositiveInfinity;
            }

            if (got.DType != gotType)
            {
                Fail(seed, $"{what} dtype {got.DType}, expected {gotType}", arguments);
            }

            double[] values = got.ToArray<double>();
            double error = ErrorMetric.MaxRelativeError(values, want, precision ?? gotType, out int at);
            if (error > tolerance)
            {
                Fail(seed, string.Create(CultureInfo.InvariantCulture,
                    $"{what} relative error {error:0.00e+0} > {tolerance:0.0e+0} at flat index {at}: got {values[at]:R}, expected {want[at]:R}"), arguments);
            }

            return error;
        }

        void Fail(int seed, string what, string arguments)
        {
            failures++;
            if (failures > 3) return;
            report.Append(CultureInfo.InvariantCulture,
                $"seed {seed} (RandomCalls.Create({seed}, DType.{dtype}), variant {variant}): {what}\n{arguments}\n");
        }
    }
}
