using IvySharp.Tests.Reference;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// A subnormal scale (or query) makes scale·q underflow to ±0 for nonzero q elements. With the scale riding on q
/// (|scale| ≤ 1, ScalePlacement) a ±∞ key feature then met 0·∞ = NaN, where the contract's scale·(q·k) is ±∞: the
/// tools/Fuzz run of 2026-12-06 (seeds 91,000,000–92,999,999 and 93,000,000–94,999,999) found 9 such calls, every
/// variant NaN where the float64 reference is finite. Such a call now runs with the scale on the scores.
/// </summary>
public sealed class ScaleUnderflowTests
{
    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string variant in KernelVariants.Supported)
        {
            foreach (DType dtype in new[] { DType.Float32, DType.Float64 }) data.Add(variant, dtype);
        }

        return data;
    }

    /// <summary>
    /// The smallest subnormal scale, queries of 0.25–0.75 (scale·q rounds to 0 below 0.5) and −∞ in one feature of
    /// key 1: key 1's score is −∞ (weight 0) and the others are about 0 (uniform), so the rows stay finite, as in the
    /// reference. Weights per head and averaged, against the float64 reference.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void An_infinite_key_under_a_subnormal_scale_gives_the_contracts_score_not_nan(string variant, DType dtype)
    {
        foreach (bool average in (bool[])[false, true])
        {
            AssertMatchesReference(SubnormalScaleCalls.InfiniteKey(dtype, average), variant, dtype, $"{variant} {dtype} average={average}");
        }
    }

    /// <summary>
    /// The same through more of the core: causal, a key padding mask that masks whole key tiles (S = 300, keys 256
    /// and on padded), an output projection, dropout and weights per head. The second run writes the weights again
    /// from zeros (the runs may skip different tiles), and every element must match the reference, dropout included.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void A_call_run_again_matches_the_reference_through_masks_dropout_and_projection(string variant, DType dtype)
    {
        const int n = 1, l = 20, s = 300, e = 4;
        var r = new Random(6);
        double[] keys = SubnormalScaleCalls.Values(r, n * s * e);
        keys[(3 * e) + 2] = double.NegativeInfinity;
        bool[] padding = Enumerable.Range(0, n * s).Select(j => j % s >= 256).ToArray();
        var call = new MhaCall
        {
            Query = A.F(dtype, SubnormalScaleCalls.Values(r, n * l * e), n, l, e), Key = A.F(dtype, keys, n, s, e),
            Value = A.F(dtype, SubnormalScaleCalls.Values(r, n * s * e), n, s, e),
            NumHeads = 2, Scale = SubnormalScaleCalls.SmallestScale(dtype), IsCausal = true, KeyPaddingMask = A.B(padding, n, s),
            OutProjWeights = A.F(dtype, SubnormalScaleCalls.Values(r, e * e), e, e), ReturnAttentionWeights = true, AverageAttentionWeights = false,
            Dropout = 0.25, Training = true, Seed = 7,
        };
        AssertMatchesReference(call, variant, dtype, $"{variant} {dtype}");
    }

    /// <summary>The fuzz seeds that found it (FuzzRunner: every supported variant against the float64 reference).</summary>
    [Theory]
    [InlineData(91085881)]
    [InlineData(91787706)]
    [InlineData(93048211)]
    [InlineData(93239835)]
    [InlineData(93677305)]
    [InlineData(94259956)]
    [InlineData(94462523)]
    [InlineData(94777664)]
    [InlineData(94810217)]
    public void The_fuzz_seeds_that_found_it_match_the_reference(int seed)
    {
        FuzzOutcome outcome = FuzzRunner.RunOnVariants(seed, KernelVariants.Supported);
        Assert.True(outcome.Failure is null, $"seed {seed} [{outcome.Kind}]: {outcome.Failure}");
    }

    private static void AssertMatchesReference(MhaCall call, string variant, DType dtype, string label)
    {
        ReferenceResult expected = ReferenceAttention.Compute(call);
        MultiHeadAttentionResult result;
        using (KernelVariants.Use(variant))
        {
            result = call.Invoke();
        }

        SubnormalScaleCalls.AssertMatches(expected.Output, A.D(result.Output), dtype, label + " output");
        SubnormalScaleCalls.AssertMatches(expected.Weights!, A.D(result.Weights!), dtype, label + " weights");
    }
}
