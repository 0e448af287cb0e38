using IvySharp.Kernels;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// The tests over kernel variants (<see cref="KernelVariants"/>) only generate cases for the variants this machine
/// accelerates: on a CPU without AVX-512 (or with <c>DOTNET_EnableAVX512=0</c>) the Vector512 cases are simply not
/// there. This theory has a case for every variant whatever the machine, so a variant that did not run shows in the
/// test summary as skipped, with the reason, instead of silently dropping out of the count. A variant that does run
/// here is checked against the float64 reference on a few seeded random calls.
/// </summary>
public sealed class VariantCoverageTests
{
    /// <summary>Seeds of their own, apart from <see cref="RandomComparisonTests"/>'s range.</summary>
    private const int FirstSeed = 7_000_000, Calls = 40;

    public static TheoryData<string> EveryVariant()
    {
        var data = new TheoryData<string>();
        foreach (KernelVariant variant in KernelVariant.All) data.Add(variant.ToString());
        return data;
    }

    [SkippableTheory, MemberData(nameof(EveryVariant))]
    public void Every_kernel_variant_runs_here_or_shows_as_skipped(string variantName)
    {
        var variant = KernelVariant.Parse(variantName);
        Skip.IfNot(
            KernelSelector.IsSupported(variant),
            $"{variantName} is not accelerated on this machine (its CPU, or a DOTNET_Enable* switch): every test over kernel variants ran on {string.Join(", ", KernelVariants.Supported)} only.");

        Assert.Contains(variantName, KernelVariants.Supported);
        for (int i = 0; i < Calls; i++)
        {
            MhaCall call = RandomCalls.Create(FirstSeed + i, DType.Float32);
            string arguments = RandomCalls.Describe(call);
            ReferenceResult expected = ReferenceAttention.Compute(call);
            MultiHeadAttentionResult actual;
            using (KernelSelector.Use(variant)) actual = call.Invoke();

            DType stored = call.Out?.DType ?? DType.Float32;
            double error = ErrorMetric.MaxRelativeError(actual.Output.ToArray<double>(), expected.Output, stored);
            double tolerance = ErrorMetric.Tolerance(DType.Float32, stored);
            Assert.True(error <= tolerance, $"{variantName}, seed {FirstSeed + i}: output error {error:E2} > {tolerance:E0}; {arguments}");
        }
    }
}
