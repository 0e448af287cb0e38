using IvySharp.Tests.Reference;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// The calls where the tiled engine's arithmetic (scale on q, online rescaling, skipped −∞ tiles) would part
/// from the contract's literal order, each on every kernel variant against the float64 reference: NaN rows
/// with dropout or masks, a weight of 0 against an infinite value, +∞ meeting a −∞ float mask, and scales
/// whose pre-scaled products overflow. The engine must give the contract's answer (it hands such calls to
/// the plain path; see Kernels/Flash/FlashGuards.cs). Each was once a reported deviation (docs/reliability.md).
/// </summary>
public sealed class EngineExactRangeTests
{
    private const double Inf = double.PositiveInfinity;

    public static TheoryData<string> Variants() => KernelVariants.Theory();

    /// <summary>dropout = 1 zeroes every weight, also those of a NaN row: the output is 0, not NaN.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Dropout_of_one_zeroes_a_nan_row(string variant)
    {
        var call = new MhaCall
        {
            Query = A.F(DType.Float32, [double.NaN, 0, 0, 1], 1, 2, 2), NumHeads = 1,
            Dropout = 1, Training = true, Seed = 1, ReturnAttentionWeights = true,
        };
        var (output, weights) = Matches(variant, call);
        Assert.All(output, x => Assert.Equal(0.0, x));
        Assert.All(weights!, x => Assert.Equal(0.0, x));
    }

    /// <summary>
    /// Key 0 has value −∞ and wins the first key tile; key S−1 scores 1000 more, so key 0's weight underflows to
    /// exactly 0 and is skipped. The online rescaling of the first tile's −∞ by exp(−1000) = 0 must not turn into NaN.
    /// Both the wide core (L = 5) and the narrow decode core (L = 1, d = 8) are covered.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void A_weight_that_underflows_to_zero_skips_an_infinite_value_across_tiles(string variant)
    {
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (int l in new[] { 5, 1 })
            {
                const int S = 300, E = 8;
                double[] q = new double[l * E], k = new double[S * E], v = new double[S * E];
                for (int i = 0; i < l; i++) q[i * E] = 1;
                k[(S - 1) * E] = 1000;
                Array.Fill(v, 1.0);
                v[0] = double.NegativeInfinity;
                var call = new MhaCall
                {
                    Query = A.F(dtype, q, l, E), Key = A.F(dtype, k, S, E), Value = A.F(dtype, v, S, E), NumHeads = 1, Scale = 1,
                };
                var (output, _) = Matches(variant, call);
                Assert.All(output, x => Assert.Equal(1.0, x));
            }
        }
    }

    /// <summary>A score of +∞ plus a float mask's −∞ is NaN: the row is NaN (IEEE), not fully masked.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Positive_infinite_score_under_a_float_minus_infinity_mask_is_nan(string variant)
    {
        var call = new MhaCall
        {
            Query = A.F(DType.Float32, [1, 0], 1, 2), Key = A.F(DType.Float32, [Inf, 0], 1, 2), Value = A.F(DType.Float32, [3, 4], 1, 2),
            AttentionMask = A.F(DType.Float32, [-Inf], 1, 1), NumHeads = 1,
        };
        var (output, _) = Matches(variant, call);
        Assert.All(output, x => Assert.True(double.IsNaN(x)));
    }

    /// <summary>A float key-padding mask of +∞ where the attention mask is −∞ everywhere: −∞ + ∞ = NaN, a NaN row.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Positive_infinite_padding_mask_under_a_minus_infinity_attention_mask_is_nan(string variant)
    {
        var call = new MhaCall
        {
            Query = A.F(DType.Float32, [1, 0], 1, 2), Key = A.F(DType.Float32, [1, 0], 1, 2), Value = A.F(DType.Float32, [3, 4], 1, 2),
            AttentionMask = A.F(DType.Float32, [-Inf], 1, 1), KeyPaddingMask = A.F(DType.Float32, [Inf], 1), NumHeads = 1,
        };
        var (output, _) = Matches(variant, call);
        Assert.All(output, x => Assert.True(double.IsNaN(x)));
    }

    /// <summary>
    /// A NaN in a query row makes all of that row's weights NaN, the causally masked ones too (exp(−∞ − NaN)),
    /// whichever tiles the engine would have cut at the diagonal; the other rows keep finite weights.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void A_nan_row_is_nan_in_every_column_under_the_causal_rule(string variant)
    {
        const int L = 100, E = 4;
        var r = new Random(7);
        double[] q = Enumerable.Range(0, L * E).Select(_ => r.NextDouble() - 0.5).ToArray();
        double[] k = (double[])q.Clone();
        q[3 * E] = double.NaN;
        var call = new MhaCall
        {
            Query = A.F(DType.Float32, q, L, E), Key = A.F(DType.Float32, k, L, E), Value = A.F(DType.Float32, k, L, E), NumHeads = 2, IsCausal = true, ReturnAttentionWeights = true, AverageAttentionWeights = false,
        };
        var (_, weights) = Matches(variant, call);
        // Feature 0 belongs to head 0: its row 3 is NaN everywhere; head 1's row 3 is an ordinary causal row.
        for (int j = 0; j < L; j++) Assert.True(double.IsNaN(weights![(3 * L) + j]));
        Assert.Equal(0.0, weights![(((1 * L) + 3) * L) + 50]);
        Assert.Equal(0.0, weights![(4 * L) + 50]);
    }

    /// <summary>scale = double.MaxValue: scale·(q·k) is finite ([9e307, 0]) even though scale·q is not; weights [1, 0].</summary>
    [Theory, MemberData(nameof(Variants))]
    public void A_huge_scale_applies_to_the_dot_product_not_to_q(string variant)
    {
        var call = new MhaCall
        {
            Query = A.F(DType.Float64, [2, 0], 1, 2), Key = A.F(DType.Float64, [0.25, 0, 0, 1], 2, 2),
            Value = A.F(DType.Float64, [1, 2, 3, 4], 2, 2), NumHeads = 1, Scale = double.MaxValue,
        };
        var (output, _) = Matches(variant, call);
        Assert.Equal([1.0, 2.0], output);
    }

    /// <summary>
    /// scale = 1e308, q = [−1, 0.5], k = [2, 2]: q·k = −1, so the single score is −1e308 (finite, weight 1), while
    /// (scale·q)·k overflows to −∞ in its first term. The output is the value row.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void A_scale_above_one_never_overflows_a_finite_score(string variant)
    {
        var call = new MhaCall
        {
            Query = A.F(DType.Float64, [-1, 0.5], 1, 2), Key = A.F(DType.Float64, [2, 2], 1, 2),
            Value = A.F(DType.Float64, [5, 6], 1, 2), NumHeads = 1, Scale = 1e308,
        };
        var (output, _) = Matches(variant, call);
        Assert.Equal([5.0, 6.0], output);
    }

    /// <summary>A float key-padding mask of −∞ over whole key tiles (finite keys: the tiles are skipped) still gives the reference's answer.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Whole_tiles_under_a_float_minus_infinity_padding_mask_match_the_reference(string variant)
    {
        const int N = 2, L = 70, S = 600, E = 16;
        var r = new Random(3);
        double[] U(int count) => Enumerable.Range(0, count).Select(_ => r.NextDouble() - 0.5).ToArray();
        double[] padding = new double[N * S];
        for (int j = 40; j < S; j++) padding[j] = double.NegativeInfinity;
        for (int j = 0; j < 300; j++) padding[S + j] = double.NegativeInfinity;
        var call = new MhaCall
        {
            Query = A.F(DType.Float32, U(N * L * E), N, L, E), Key = A.F(DType.Float32, U(N * S * E), N, S, E),
            Value = A.F(DType.Float32, U(N * S * E), N, S, E), KeyPaddingMask = A.F(DType.Float32, padding, N, S),
            NumHeads = 2, ReturnAttentionWeights = true,
        };
        Matches(variant, call);
    }

    /// <summary>The fuzz cases that found the last two deviations (a −∞ static value at scale 1e30; a NaN row under the causal rule).</summary>
    [Theory]
    [InlineData(43280)]
    [InlineData(685)]
    public void The_fuzz_cases_that_found_deviations_now_match_the_reference(int seed)
    {
        FuzzOutcome outcome = FuzzRunner.RunOnVariants(seed, KernelVariants.Supported);
        Assert.Null(outcome.Failure);
        Assert.StartsWith("valid", outcome.Kind, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="call"/> on <paramref name="variant"/>; asserts output and weights match the reference (NaN where it is NaN).</summary>
    private static (double[] Output, double[]? Weights) Matches(string variant, MhaCall call)
    {
        ReferenceResult expected = ReferenceAttention.Compute(call);
        MultiHeadAttentionResult result;
        using (KernelVariants.Use(variant))
        {
            result = call.Invoke();
        }

        DType dtype = call.Query.DType;
        double[] output = A.D(result.Output), weights = result.Weights is null ? [] : A.D(result.Weights);
        double outputError = ErrorMetric.MaxRelativeError(output, expected.Output, dtype, out int at);
        Assert.True(outputError <= ErrorMetric.Tolerance(dtype), $"{variant}: output error {outputError} at {at}: got {(at >= 0 ? output[at] : 0)}, expected {(at >= 0 ? expected.Output[at] : 0)}");
        if (expected.Weights is not null)
        {
            double weightsError = ErrorMetric.MaxRelativeError(weights, expected.Weights, dtype, out int w);
            Assert.True(weightsError <= ErrorMetric.Tolerance(dtype), $"{variant}: weights error {weightsError} at {w}");
        }

        return (output, result.Weights is null ? null : weights);
    }
}
