using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Dropout;

/// <summary>
/// Attention dropout (contract §6): each weight is zeroed with probability p while training, survivors
/// are scaled by 1/(1 − p), the same seed gives the same bits whatever the thread count, and the
/// returned weights are the ones the output was computed from.
/// </summary>
/// <remarks>
/// The call: batched self-attention, N = 2, L = S = 64, E = 32, H = 4 (d = 8), per-head weights
/// returned, so one call yields N·H·L·S = 32 768 weights. That is also enough work (≈ 10⁶ flops) for
/// the thread pool to split it, which the thread-count tests rely on.
/// </remarks>
public sealed class DropoutTests
{
    private const int N = 2, L = 64, E = 32, H = 4, D = E / H;
    private const int WeightCount = N * H * L * L;

    public static TheoryData<DType> FloatTypes() => new() { DType.Float32, DType.Float64 };

    // ---------------------------------------------------------------- statistics

    /// <summary>
    /// The number of zeroed weights is Binomial(32 768, p) when drops are independent: its standard
    /// deviation as a fraction is √(p(1 − p)/32 768) ≤ 0.0028. Six deviations (≤ 0.017) leave a correct
    /// implementation a chance below 10⁻⁸ of failing for an arbitrary seed. Survivors must equal the
    /// no-dropout weight × 1/(1 − p) up to the rounding of that one multiplication.
    /// </summary>
    [Theory]
    [InlineData(DType.Float32, 0.1)]
    [InlineData(DType.Float32, 0.5)]
    [InlineData(DType.Float64, 0.5)]
    [InlineData(DType.Float64, 0.9)]
    public void Zeroed_fraction_is_near_p_and_survivors_are_scaled(DType dtype, double p)
    {
        double[] plain = A.D(Call(dtype).Invoke().Weights!);
        double[] dropped = A.D((Call(dtype) with { Dropout = p, Training = true, Seed = 2024 }).Invoke().Weights!);
        Assert.Equal(WeightCount, dropped.Length);
        Assert.All(plain, w => Assert.True(w > 0, "a softmax weight underflowed; zeros would not mean dropped"));

        int zeros = dropped.Count(w => w == 0);
        double fraction = (double)zeros / WeightCount;
        double sigma = Math.Sqrt(p * (1 - p) / WeightCount);
        Assert.True(Math.Abs(fraction - p) <= 6 * sigma, $"zeroed fraction {fraction:F4}, expected {p} ± {6 * sigma:F4}");

        double relative = dtype == DType.Float32 ? 1e-6 : 1e-13;
        double keep = 1 / (1 - p);
        for (int i = 0; i < WeightCount; i++)
        {
            if (dropped[i] == 0) continue;
            double expected = plain[i] * keep;
            Assert.True(Math.Abs(dropped[i] - expected) <= relative * expected, $"weight {i}: {dropped[i]} vs {plain[i]} × {keep}");
        }
    }

    /// <summary>
    /// Drops must be independent across rows, heads and samples, not one pattern repeated: two
    /// independent p = 0.5 patterns agree on half their positions (±6σ, σ = √(0.25/count)); a pattern
    /// reused across rows, heads or samples would agree everywhere.
    /// </summary>
    [Fact]
    public void Drop_patterns_are_independent_across_rows_heads_and_samples()
    {
        double[] w = A.D((Call(DType.Float32) with { Dropout = 0.5, Training = true, Seed = 7 }).Invoke().Weights!);
        bool Dropped(int n, int h, int i, int j) => w[((((n * H) + h) * L) + i) * L + j] == 0;

        AssertAgreementNearHalf("adjacent rows", (n, h, i, j) => i + 1 < L ? Dropped(n, h, i, j) == Dropped(n, h, i + 1, j) : null);
        AssertAgreementNearHalf("adjacent heads", (n, h, i, j) => h + 1 < H ? Dropped(n, h, i, j) == Dropped(n, h + 1, i, j) : null);
        AssertAgreementNearHalf("the two samples", (n, h, i, j) => n == 0 ? Dropped(0, h, i, j) == Dropped(1, h, i, j) : null);
        AssertAgreementNearHalf("adjacent columns", (n, h, i, j) => j + 1 < L ? Dropped(n, h, i, j) == Dropped(n, h, i, j + 1) : null);
    }

    // ---------------------------------------------------------------- determinism

    [Theory, MemberData(nameof(FloatTypes))]
    public void Same_seed_gives_bit_identical_results(DType dtype)
    {
        var call = Call(dtype) with { Dropout = 0.3, Training = true, Seed = 99, OutProjWeights = Values(dtype, 40, 5, E) };
        var first = call.Invoke();
        var second = call.Invoke();
        AssertBitIdentical(first.Output, second.Output);
        AssertBitIdentical(first.Weights!, second.Weights!);
    }

    // By name: KernelVariant is internal, and theory parameters of public tests must be public types.
    public static TheoryData<string> SupportedVariants()
    {
        var data = new TheoryData<string>();
        foreach (KernelVariant v in KernelVariant.All)
        {
            if (KernelSelector.IsSupported(v)) data.Add(v.ToString());
        }

        return data;
    }

    [Theory, MemberData(nameof(SupportedVariants))]
    public void Result_does_not_depend_on_thread_count(string variantName)
    {
        var variant = KernelVariant.Parse(variantName);
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            var call = Call(dtype) with { Dropout = 0.4, Training = true, Seed = 31337 };
            MultiHeadAttentionResult one, two;
            using (KernelSelector.Use(variant, threads: 1)) one = call.Invoke();
            using (KernelSelector.Use(variant, threads: 2)) two = call.Invoke();
            AssertBitIdentical(one.Output, two.Output);
            AssertBitIdentical(one.Weights!, two.Weights!);
        }
    }

    [Fact]
    public void Different_seeds_give_different_drops()
    {
        var call = Call(DType.Float32) with { Dropout = 0.5, Training = true };
        double[] a = A.D((call with { Seed = 1 }).Invoke().Weights!);
        double[] b = A.D((call with { Seed = 2 }).Invoke().Weights!);
        int differing = a.Zip(b).Count(pair => (pair.First == 0) != (pair.Second == 0));
        // Independent p = 0.5 patterns differ at half the positions; identical ones at none.
        Assert.True(differing > WeightCount / 4, $"only {differing} of {WeightCount} drop decisions differ");
    }

    // ---------------------------------------------------------------- when dropout does nothing

    [Theory, MemberData(nameof(FloatTypes))]
    public void No_dropout_when_not_training(DType dtype)
    {
        var reference = Call(dtype).Invoke();
        var notTraining = (Call(dtype) with { Dropout = 0.5, Training = false, Seed = 5 }).Invoke();
        AssertBitIdentical(reference.Output, notTraining.Output);
        AssertBitIdentical(reference.Weights!, notTraining.Weights!);
    }

    [Theory, MemberData(nameof(FloatTypes))]
    public void Dropout_zero_while_training_changes_nothing(DType dtype)
    {
        var reference = Call(dtype).Invoke();
        var training = (Call(dtype) with { Dropout = 0, Training = true, Seed = 5 }).Invoke();
        AssertBitIdentical(reference.Output, training.Output);
        AssertBitIdentical(reference.Weights!, training.Weights!);
    }

    // ---------------------------------------------------------------- dropout = 1

    [Theory, MemberData(nameof(FloatTypes))]
    public void Dropout_one_zeroes_every_weight_and_leaves_the_output_bias(DType dtype)
    {
        const int o = 5;
        IvyArray bias = Values(dtype, 41, o);
        var call = Call(dtype) with
        {
            Dropout = 1, Training = true, Seed = 3, OutProjWeights = Values(dtype, 40, o, E), OutProjBias = bias,
        };
        var (output, weights) = call.Invoke();
        Assert.All(A.D(weights!), w => Assert.Equal(0.0, w));

        double[] expected = Enumerable.Range(0, N * L).SelectMany(_ => A.D(bias)).ToArray();
        Assert.Equal(expected, A.D(output));

        // Without an output projection the output is all zeros; averaged weights are zero too.
        var (plainOutput, averaged) = (Call(dtype) with { Dropout = 1, Training = true, AverageAttentionWeights = true }).Invoke();
        Assert.All(A.D(plainOutput), x => Assert.Equal(0.0, x));
        Assert.All(A.D(averaged!), w => Assert.Equal(0.0, w));
    }

    // ---------------------------------------------------------------- returned weights

    /// <summary>
    /// Without projections the output is Σ_j W[n, h, i, j] · value[n, j, h·d + c]: recomputing it from the
    /// returned per-head weights proves those are the post-dropout weights the output used.
    /// </summary>
    [Theory, MemberData(nameof(FloatTypes))]
    public void Returned_weights_are_the_post_dropout_weights_the_output_used(DType dtype)
    {
        var call = Call(dtype) with { Dropout = 0.5, Training = true, Seed = 11 };
        var (output, weights) = call.Invoke();
        double[] w = A.D(weights!), v = A.D(call.Query), y = A.D(output);
        Assert.Contains(0.0, w);

        double tolerance = dtype == DType.Float32 ? 2e-5 : 1e-12;
        for (int n = 0; n < N; n++)
        {
            for (int i = 0; i < L; i++)
            {
                for (int f = 0; f < E; f++)
                {
                    int h = f / D;
                    double sum = 0;
                    for (int j = 0; j < L; j++) sum += w[((((n * H) + h) * L) + i) * L + j] * v[(((n * L) + j) * E) + f];
                    double actual = y[(((n * L) + i) * E) + f];
                    Assert.True(Math.Abs(actual - sum) <= tolerance * (1 + Math.Abs(sum)), $"(n {n}, i {i}, f {f}): {actual} vs Σ w·v = {sum}");
                }
            }
        }
    }

    [Theory, MemberData(nameof(FloatTypes))]
    public void Averaged_weights_are_the_mean_of_the_dropped_per_head_weights(DType dtype)
    {
        var call = Call(dtype) with { Dropout = 0.5, Training = true, Seed = 13 };
        double[] perHead = A.D(call.Invoke().Weights!);
        var averagedResult = (call with { AverageAttentionWeights = true }).Invoke();
        double[] averaged = A.D(averagedResult.Weights!);
        Assert.Equal([N, L, L], averagedResult.Weights!.Shape);

        double tolerance = dtype == DType.Float32 ? 1e-6 : 1e-14;
        for (int n = 0; n < N; n++)
        {
            for (int ij = 0; ij < L * L; ij++)
            {
                double mean = 0;
                for (int h = 0; h < H; h++) mean += perHead[(((n * H) + h) * L * L) + ij];
                mean /= H;
                Assert.True(Math.Abs(averaged[(n * L * L) + ij] - mean) <= tolerance * (1 + mean), $"(n {n}, ij {ij})");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static MhaCall Call(DType dtype) => new()
    {
        Query = Values(dtype, 0, N, L, E),
        NumHeads = H,
        ReturnAttentionWeights = true,
        AverageAttentionWeights = false,
    };

    // Smooth pseudo-random values in [-1, 1]; scores stay moderate, so no softmax weight underflows to 0.
    private static IvyArray Values(DType dtype, int salt, params int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        return A.F(dtype, Enumerable.Range(0, count).Select(i => Math.Sin((i + 1) * 12.9898 + (salt * 78.233))).ToArray(), shape);
    }

    private static void AssertBitIdentical(IvyArray expected, IvyArray actual)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        long[] Bits(IvyArray a) => A.D(a).Select(BitConverter.DoubleToInt64Bits).ToArray();
        Assert.Equal(Bits(expected), Bits(actual));
    }

    private static void AssertAgreementNearHalf(string what, Func<int, int, int, int, bool?> agree)
    {
        int pairs = 0, agreeing = 0;
        for (int n = 0; n < N; n++)
        {
            for (int h = 0; h < H; h++)
            {
                for (int i = 0; i < L; i++)
                {
                    for (int j = 0; j < L; j++)
                    {
                        if (agree(n, h, i, j) is not bool same) continue;
                        pairs++;
                        if (same) agreeing++;
                    }
                }
            }
        }

        double fraction = (double)agreeing / pairs;
        double bound = 6 * Math.Sqrt(0.25 / pairs);
        Assert.True(Math.Abs(fraction - 0.5) <= bound, $"drops of {what} agree at {fraction:F4} of {pairs} positions; independent ones agree at 0.5 ± {bound:F4}");
    }
}
