using System.Globalization;
using System.Text;
using IvySharp.Tests.Reliability;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Ops;

/// <summary>
/// Seeded random calls (<see cref="OpCalls"/>) of each op, library against the float64 reference, per dtype and
/// per kernel variant this processor supports; and the same calls on every variant giving the same bits.
/// Each theory row logs its worst error on an <c>accuracy:</c> line.
/// </summary>
public sealed class RandomOpTests(ITestOutputHelper output)
{
    /// <summary>Calls per op, dtype and variant (the reference is cheap; the GELU reference's continued fraction is the slowest part).</summary>
    private const int Calls = 400;

    private const int FirstSeed = 7_000_000;

    public static TheoryData<string, string, DType> Cases()
    {
        var data = new TheoryData<string, string, DType>();
        foreach (string op in OpCalls.Ops)
        {
            foreach (string variant in KernelVariants.Supported)
            {
                foreach (DType dtype in new[] { DType.Float64, DType.Float32, DType.Float16 }) data.Add(op, variant, dtype);
            }
        }

        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Library_matches_the_float64_reference_on_random_calls(string op, string variant, DType dtype)
    {
        double tolerance = OpTolerances.Of(op, dtype), worst = 0;
        int worstSeed = -1, failures = 0;
        var report = new StringBuilder();
        for (int i = 0; i < Calls; i++)
        {
            int seed = FirstSeed + i;
            OpCall call = OpCalls.Create(op, seed, dtype);
            double[][] before = [.. call.Inputs.Select(A.D)];
            IvyArray result;
            using (KernelVariants.Use(variant)) result = call.Invoke();
            string? problem = null;
            if (!result.Shape.SequenceEqual(call.ExpectedShape))
            {
                problem = $"shape ({string.Join(", ", result.Shape)})";
            }
            else if (result.DType != dtype)
            {
                problem = $"dtype {result.DType}";
            }
            else if (call.Inputs.Where((input, j) => !BitEqual(A.D(input), before[j])).Any())
            {
                problem = "an input changed";
            }
            else
            {
                double[] got = A.D(result);
                double error = ErrorMetric.MaxRelativeError(got, call.Expected, dtype, out int at);
                if (error > worst) (worst, worstSeed) = (error, seed);
                if (error > tolerance)
                {
                    problem = string.Create(CultureInfo.InvariantCulture, $"relative error {error:0.00e+0} > {tolerance:0.0e+0} at {at}: got {got[at]:R}, expected {call.Expected[at]:R}");
                }
            }

            if (problem is not null && ++failures <= 5) report.AppendLine($"{call.Description}: {problem}");
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: {op} random-reference {dtype.ToString().ToLowerInvariant()} variant {variant} worst relative error {worst:0.0e+0} (seed {worstSeed}) over {Calls} calls, tolerance {tolerance:0.0e+0}"));
        Assert.True(failures == 0, $"{failures} of {Calls} calls failed; the first ones:\n{report}");
    }

    public static TheoryData<string, DType> OpsAndDTypes()
    {
        var data = new TheoryData<string, DType>();
        foreach (string op in OpCalls.Ops)
        {
            foreach (DType dtype in new[] { DType.Float64, DType.Float32, DType.Float16 }) data.Add(op, dtype);
        }

        return data;
    }

    [Theory, MemberData(nameof(OpsAndDTypes))]
    public void Every_variant_and_thread_count_gives_the_same_bits(string op, DType dtype)
    {
        for (int i = 0; i < 100; i++)
        {
            OpCall call = OpCalls.Create(op, FirstSeed + i, dtype);
            double[]? first = null;
            foreach (string variant in KernelVariants.Supported)
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    IvyArray result;
                    using (KernelVariants.Use(variant, threads)) result = call.Invoke();
                    double[] bits = A.D(result);
                    first ??= bits;
                    Assert.True(BitEqual(first, bits), $"{call.Description}: variant {variant} with {threads} threads differs from {KernelVariants.Supported[0]} with 1");
                }
            }
        }
    }

    private static bool BitEqual(double[] a, double[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));
}
