using System.Globalization;
using IvySharp.Kernels;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Golden;

/// <summary>
/// Every golden case (tools/golden/generate.py: PyTorch 1.13's multi_head_attention_forward in float64,
/// mapped onto the contract as its docstring says) run through the library in float64, float32 and
/// float16, compared with PyTorch's float64 answer.
/// </summary>
/// <remarks>
/// <para>Relative error of a result tensor a against the expected tensor e:
/// <c>max_i |a_i − e_i| / max(|e_i|, 0.1 · max_j |e_j|, 1e-30)</c>, and infinite when a holds a NaN.
/// Elements of at least a tenth of the tensor's largest magnitude are judged against their own size;
/// smaller ones against a tenth of the largest. Why the floor: an element near zero is the
/// difference of terms about as large as the rest of the tensor (dot products over up to 16
/// features, in three chained stages), so its absolute error is set by that scale, not by its own
/// small value. A float32 result carries an absolute error of a few 1e-7 of the largest element
/// (measured: at most 7e-7 of max|e| over all cases), so a floor of 1e-3 · max|e| (tried first)
/// would demand 1e-8 of max|e| of the small elements, below one float32 ulp of the largest, and
/// report rounding, not the library. The 1e-30 floor only matters for an all-zero expected tensor
/// (every row fully masked), which must then come back exactly zero. The accuracy line also gives
/// the normwise error <c>max_i |a_i − e_i| / max_j |e_j|</c>.</para>
/// <para>Tolerances: float64 1e-12 and float32 1e-5 (the inputs are float32 numbers, so both see
/// exactly what PyTorch saw). float16 rounds every input to 11 significant bits before the call
/// (float masks stay float32) and returns float16, so it is compared with PyTorch's answer for the
/// unrounded inputs at 5e-2: it guards the float16 path against wrong results, not its rounding.</para>
/// </remarks>
public sealed class PyTorchGoldenTests(ITestOutputHelper log)
{
    private const double ElementFloorFraction = 0.1;

    [Fact]
    public void The_file_holds_at_least_200_cases_covering_every_argument()
    {
        IReadOnlyList<GoldenCase> cases = GoldenCase.All;
        Assert.True(cases.Count >= 200, $"only {cases.Count} golden cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        string[] required =
        [
            "batched", "unbatched", "batch-first", "seq-first", "self", "cross", "proj-none", "proj-packed",
            "proj-separate", "q-width-ne-e", "k-width-ne-v", "in-bias", "out-proj", "out-bias", "bias-kv",
            "bias-kv-3d", "zero-attn", "static-k", "static-v", "static-length-ne-s", "mask-2d-bool",
            "mask-2d-float", "mask-3d-bool", "mask-3d-float", "float-mask-inf", "kpm-bool", "kpm-float",
            "kpm-float-merged-into-mask", "causal", "ignored-mask-2d-bool", "ignored-mask-3d-float", "scale",
            "scale-zero", "scale-negative", "weights-none", "weights-avg", "weights-per-head",
            "fully-masked-rows", "N=1", "L=1", "S=1", "E=1", "H=1", "contract-example",
        ];
        var tags = cases.SelectMany(c => c.Tags).ToHashSet();
        string[] missing = required.Where(t => !tags.Contains(t)).ToArray();
        Assert.True(missing.Length == 0, "no golden case tagged " + string.Join(", ", missing));
        foreach (string name in new[] { "E1", "E2", "E10", "E13" }) Assert.Contains(cases, c => c.Name == name);
    }

    /// <summary>Each dtype with its tolerance, on every kernel variant this processor supports.</summary>
    public static TheoryData<DType, string, double> DTypesAndKernels()
    {
        var data = new TheoryData<DType, string, double>();
        foreach ((DType dtype, double tolerance) in new[] { (DType.Float64, 1e-12), (DType.Float32, 1e-5), (DType.Float16, 5e-2) })
        {
            foreach (KernelVariant variant in KernelVariant.All.Where(KernelSelector.IsSupported))
            {
                data.Add(dtype, variant.ToString(), tolerance);
            }
        }

        return data;
    }

    [Theory, MemberData(nameof(DTypesAndKernels))]
    public void Every_case_matches_pytorch_float64(DType dtype, string kernel, double tolerance)
    {
        using IDisposable pinned = KernelSelector.Use(KernelVariant.Parse(kernel));
        RunAndAssert(GoldenCase.All, dtype, Route.Static, tolerance, $" kernel {kernel}");
    }

    [Theory]
    [InlineData(DType.Float64, Route.Instance, 1e-12)]
    [InlineData(DType.Float64, Route.Tensor, 1e-12)]
    [InlineData(DType.Float32, Route.Instance, 1e-5)]
    [InlineData(DType.Float32, Route.Tensor, 1e-5)]
    public void A_sample_of_cases_matches_through_the_other_routes(DType dtype, Route route, double tolerance)
    {
        // Every fourth case the route can take: the instance method is batch-first only.
        var sample = GoldenCase.All
            .Where(c => route != Route.Instance || !c.IsSequenceFirstBatch)
            .Where((_, i) => i % 4 == 0)
            .ToList();
        Assert.True(sample.Count >= 40, $"sample of {sample.Count} cases");
        RunAndAssert(sample, dtype, route, tolerance, $" via {route}");
    }

    private void RunAndAssert(IReadOnlyList<GoldenCase> cases, DType dtype, Route route, double tolerance, string how)
    {
        // float16 cases keep float masks in float32 (the contract takes any floating mask dtype), so
        // only the attention inputs are rounded.
        DType maskDType = dtype == DType.Float16 ? DType.Float32 : dtype;
        var failures = new List<string>();
        var worst = new Worst();
        foreach (GoldenCase c in cases)
        {
            try
            {
                MultiHeadAttentionResult result = c.ToCall(dtype, maskDType).Invoke(route);
                if (result.Output.DType != dtype) failures.Add($"{c.Label}: output dtype {result.Output.DType}");
                Check(c, "output", c.ExpectedOutput, result.Output, tolerance, failures, worst);
                if (c.ExpectedWeights is null)
                {
                    if (result.Weights is not null) failures.Add($"{c.Label}: weights returned but not requested");
                }
                else if (result.Weights is null)
                {
                    failures.Add($"{c.Label}: weights requested but not returned");
                }
                else
                {
                    Check(c, "weights", c.ExpectedWeights, result.Weights, tolerance, failures, worst);
                }
            }
            catch (Exception e)
            {
                failures.Add($"{c.Label}: threw {e.GetType().Name}: {e.Message}");
            }
        }

        AccuracyLog.Write(log, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: pytorch-golden {Name(dtype)}{how} worst relative error {worst.Relative:0.0e+0} ({worst.RelativeWhere}), worst normwise error {worst.Normwise:0.0e+0} ({worst.NormwiseWhere}) over {cases.Count} cases, tolerance {tolerance:0e+0}"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} golden cases fail in {Name(dtype)}{how}:\n" + string.Join('\n', failures));
    }

    private static void Check(GoldenCase c, string what, GoldenArray expected, IvyArray actual, double tolerance,
        List<string> failures, Worst worst)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
        {
            failures.Add($"{c.Label}: {what} shape ({string.Join(", ", actual.Shape)}), expected ({string.Join(", ", expected.Shape)})");
            return;
        }

        double[] e = expected.Floats!;
        double[] a = actual.ToArray<double>();
        double largest = e.Max(Math.Abs);
        double floor = Math.Max(ElementFloorFraction * largest, 1e-30);
        double error = 0, normwise = 0;
        int at = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double diff = double.IsNaN(a[i]) ? double.PositiveInfinity : Math.Abs(a[i] - e[i]);
            double r = diff / Math.Max(Math.Abs(e[i]), floor);
            if (r > error) (error, at) = (r, i);
            normwise = Math.Max(normwise, diff / Math.Max(largest, 1e-30));
        }

        if (error > worst.Relative) (worst.Relative, worst.RelativeWhere) = (error, $"{c.Name} {what}");
        if (normwise > worst.Normwise) (worst.Normwise, worst.NormwiseWhere) = (normwise, $"{c.Name} {what}");
        if (error > tolerance)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{c.Label}: {what} relative error {error:0.00e+0} at flat index {at}: expected {e[at]:R}, got {a[at]:R}"));
        }
    }

    private sealed class Worst
    {
        public double Relative { get; set; }
        public string RelativeWhere { get; set; } = "none";
        public double Normwise { get; set; }
        public string NormwiseWhere { get; set; } = "none";
    }

    private static string Name(DType dtype) => dtype switch
    {
        DType.Float16 => "float16",
        DType.Float32 => "float32",
        _ => "float64",
    };
}
