using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 2: empty dimensions (L, S, N, E = 0) and extreme values (logits near ±1e30,
/// −∞ masks), on every kernel variant and dtype. The semantics are written up in docs/reliability.md.
/// </summary>
public sealed class EdgeSemanticsTests
{
    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string variant in KernelVariants.Supported)
        {
            foreach (DType dtype in new[] { DType.Float32, DType.Float64, DType.Float16 }) data.Add(variant, dtype);
        }

        return data;
    }

    /// <summary>L = 0: the output and the weights are empty, with the documented shapes, in every layout; @out of that empty shape is returned.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void No_queries_give_an_empty_output_and_empty_weights(string variant, DType dtype)
    {
        var r = new Random(1);
        using (KernelVariants.Use(variant))
        {
            var perHead = new MhaCall
            {
                Query = U(r, dtype, 2, 0, 4), Key = U(r, dtype, 2, 3, 4), Value = U(r, dtype, 2, 3, 4), NumHeads = 2,
                OutProjWeights = U(r, dtype, 5, 4), ReturnAttentionWeights = true, AverageAttentionWeights = false, AddZeroAttn = true,
            }.Invoke();
            Assert.Equal([2, 0, 5], perHead.Output.Shape);
            Assert.Equal([2, 2, 0, 4], perHead.Weights!.Shape);

            var sequenceFirst = new MhaCall { Query = U(r, dtype, 0, 2, 4), Key = U(r, dtype, 3, 2, 4), Value = U(r, dtype, 3, 2, 4), BatchFirst = false, NumHeads = 4, ReturnAttentionWeights = true }.Invoke();
            Assert.Equal([0, 2, 4], sequenceFirst.Output.Shape);
            Assert.Equal([2, 0, 3], sequenceFirst.Weights!.Shape);

            IvyArray output = IvyArray.Zeros(DType.Float32, 0, 4);
            var unbatched = new MhaCall { Query = U(r, dtype, 0, 4), Key = U(r, dtype, 3, 4), Value = U(r, dtype, 3, 4), NumHeads = 1, IsCausal = true, Out = output }.Invoke();
            Assert.Same(output, unbatched.Output);
        }
    }

    /// <summary>
    /// S = 0 (and S′ = 0): every row is fully masked, so the weights are 0 (shape (…, 0)) and the attention
    /// output is exactly 0, then the output projection gives exactly its bias. With a zero token S′ = 1 and
    /// every weight is exactly 1 on it; with bias tokens every weight is exactly 1 on the bias column and the
    /// attention output is biasV. Empty masks of shape (L, 0) and (N, 0) are accepted.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void No_keys_give_attention_output_zero_then_the_output_bias(string variant, DType dtype)
    {
        var r = new Random(2);
        IvyArray bias = U(r, dtype, 3);
        var empty = new MhaCall
        {
            Query = U(r, dtype, 2, 3, 4), Key = U(r, dtype, 2, 0, 4), Value = U(r, dtype, 2, 0, 4), NumHeads = 2,
            AttentionMask = A.B([], 3, 0), KeyPaddingMask = A.F(DType.Float32, [], 2, 0),
            ReturnAttentionWeights = true, AverageAttentionWeights = false,
        };
        using (KernelVariants.Use(variant))
        {
            var plain = empty.Invoke();
            Assert.Equal([2, 3, 4], plain.Output.Shape);
            Assert.All(A.D(plain.Output), v => Assert.Equal(0.0, v));
            Assert.Equal([2, 2, 3, 0], plain.Weights!.Shape);

            var projected = (empty with { OutProjWeights = U(r, dtype, 3, 4), OutProjBias = bias }).Invoke();
            double[] b = A.D(bias);
            Assert.Equal(Enumerable.Repeat(b, 6).SelectMany(x => x), A.D(projected.Output));

            var zeroToken = (empty with { AddZeroAttn = true, IsCausal = true }).Invoke();
            Assert.Equal([2, 2, 3, 1], zeroToken.Weights!.Shape);
            Assert.All(A.D(zeroToken.Weights), w => Assert.Equal(1.0, w));
            Assert.All(A.D(zeroToken.Output), v => Assert.Equal(0.0, v));

            IvyArray biasV = U(r, dtype, 4);
            var biasTokens = (empty with { BiasK = U(r, dtype, 4), BiasV = biasV, AttentionMask = null, KeyPaddingMask = null }).Invoke();
            Assert.All(A.D(biasTokens.Weights!), w => Assert.Equal(1.0, w));
            Assert.Equal(Enumerable.Repeat(A.D(biasV), 6).SelectMany(x => x), A.D(biasTokens.Output));
        }
    }

    /// <summary>N = 0: batched calls with no samples (static keys of N·H = 0 rows too) give empty outputs and weights.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void No_samples_give_empty_results(string variant, DType dtype)
    {
        var r = new Random(3);
        using (KernelVariants.Use(variant))
        {
            var result = new MhaCall
            {
                Query = U(r, dtype, 0, 3, 4), Key = U(r, dtype, 0, 5, 4), Value = U(r, dtype, 0, 5, 4), NumHeads = 2,
                StaticK = U(r, dtype, 0, 2, 2), StaticV = U(r, dtype, 0, 2, 2), KeyPaddingMask = A.B([], 0, 2),
                OutProjWeights = U(r, dtype, 6, 4), ReturnAttentionWeights = true, AverageAttentionWeights = false,
            }.Invoke();
            Assert.Equal([0, 3, 6], result.Output.Shape);
            Assert.Equal([0, 2, 3, 2], result.Weights!.Shape);
        }
    }

    /// <summary>
    /// E = 0 (zero-width inputs, or an input projection to 0 features): every score is an empty dot product,
    /// 0, so the visible columns share the weight equally (the default scale is not 1/√0 = ∞: no ∞·0 = NaN);
    /// fully masked rows get 0; the output is (…, 0), or exactly the output bias with an (O, 0) projection.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Zero_embedding_width_gives_uniform_weights_and_the_output_bias(string variant, DType dtype)
    {
        var r = new Random(4);
        IvyArray bias = U(r, dtype, 2);
        bool[] padding = [false, true, false, true, true, true, true, true]; // sample 0: 2 of 4 visible; sample 1: none
        using (KernelVariants.Use(variant))
        {
            foreach (MhaCall call in new[]
            {
                new MhaCall { Query = U(r, dtype, 2, 3, 0), Key = U(r, dtype, 2, 4, 0), Value = U(r, dtype, 2, 4, 0), NumHeads = 4 },
                new MhaCall { Query = U(r, dtype, 2, 3, 5), Key = U(r, dtype, 2, 4, 5), Value = U(r, dtype, 2, 4, 5), NumHeads = 3, InProjWeights = U(r, dtype, 0, 5) },
            })
            {
                var result = (call with
                {
                    OutProjWeights = U(r, dtype, 2, 0), OutProjBias = bias, KeyPaddingMask = A.B(padding, 2, 4),
                    ReturnAttentionWeights = true, AverageAttentionWeights = false,
                }).Invoke();
                Assert.Equal(Enumerable.Repeat(A.D(bias), 6).SelectMany(x => x), A.D(result.Output));
                double[] weights = A.D(result.Weights!);
                int heads = call.NumHeads;
                for (int i = 0; i < weights.Length; i++)
                {
                    int sample = i / (heads * 3 * 4), column = i % 4;
                    double expected = sample == 1 || padding[column] ? 0 : 0.5;
                    Assert.Equal(expected, weights[i], 1e-3);
                }

                Assert.Equal([2, 3, 0], (call with { OutProjWeights = null }).Invoke().Output.Shape);
            }
        }
    }

    /// <summary>
    /// Logits near ±1e30 (scale 1e30 on unit dot products, float masks of ±1e30) are still numbers: the
    /// softmax is one-hot on the largest logit (split equally between exact ties) and the output is that
    /// key's value row; a row whose logits are all −1e30 (finite) is uniform, not "masked".
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Logits_near_plus_or_minus_1e30_give_finite_one_hot_weights(string variant, DType dtype)
    {
        // Keys are ±e0, ±e1; queries pick one key each with dot +1 and the others get −1 or 0.
        IvyArray query = A.F(dtype, [1, 0, 0, 1, -1, 0, 0, 0], 4, 2);
        IvyArray key = A.F(dtype, [1, 0, 0, 1, -1, 0, 0, -1], 4, 2);
        IvyArray value = A.F(dtype, [1, 2, 3, 4, 5, 6, 7, 8], 4, 2);
        using (KernelVariants.Use(variant))
        {
            foreach (double scale in new[] { 1e30, -1e30 })
            {
                var result = new MhaCall { Query = query, Key = key, Value = value, NumHeads = 1, Scale = scale, ReturnAttentionWeights = true }.Invoke();
                double[] weights = A.D(result.Weights!), output = A.D(result.Output);
                Assert.All(weights.Concat(output), v => Assert.True(double.IsFinite(v), $"scale {scale}: {v}"));
                double[] expected = ReferenceAttention.Compute(new MhaCall { Query = query, Key = key, Value = value, NumHeads = 1, Scale = scale, ReturnAttentionWeights = true }).Weights!;
                Assert.Equal(expected, weights);
            }

            // Float masks of ±1e30 (float32: float16 cannot hold them) on top of ordinary logits, and an all −1e30 row.
            IvyArray mask = A.F(DType.Float32, [1e30, 0, 0, 0, -1e30, -1e30, -1e30, -1e30, 0, 0, 0, 0, -1e30, 0, -1e30, 0], 4, 4);
            var masked = new MhaCall { Query = query, Key = key, Value = value, NumHeads = 1, AttentionMask = mask, ReturnAttentionWeights = true }.Invoke();
            double[] w = A.D(masked.Weights!);
            Assert.All(w.Concat(A.D(masked.Output)), v => Assert.True(double.IsFinite(v), $"masked: {v}"));
            Assert.Equal([1, 0, 0, 0], w[..4]);
            Assert.All(w[4..8], x => Assert.Equal(0.25, x, 1e-3));
        }
    }

    /// <summary>
    /// −∞ in a float mask masks exactly as a bool mask does (same weights and output, no NaN), and a row of
    /// −∞ everywhere is fully masked: weights 0, attention output 0, output = the output bias.
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Minus_infinity_masks_behave_as_bool_masks_and_never_give_nan(string variant, DType dtype)
    {
        var r = new Random(6);
        bool[] flags = Enumerable.Range(0, 3 * 5).Select(i => i < 5 || r.Next(3) == 0).ToArray(); // row 0 fully masked
        IvyArray floatMask = A.F(DType.Float16, flags.Select(f => f ? double.NegativeInfinity : 0).ToArray(), 3, 5);
        var call = new MhaCall
        {
            Query = U(r, dtype, 2, 3, 4), Key = U(r, dtype, 2, 5, 4), Value = U(r, dtype, 2, 5, 4), NumHeads = 2,
            InProjWeights = U(r, dtype, 12, 4), OutProjWeights = U(r, dtype, 3, 4), OutProjBias = U(r, dtype, 3),
            AttentionMask = A.B(flags, 3, 5), ReturnAttentionWeights = true,
        };
        using (KernelVariants.Use(variant))
        {
            var withBool = call.Invoke();
            var withFloat = (call with { AttentionMask = floatMask }).Invoke();
            double tolerance = ErrorMetric.Tolerance(dtype);
            Assert.True(ErrorMetric.MaxRelativeError(A.D(withFloat.Output), A.D(withBool.Output), dtype) <= tolerance);
            Assert.True(ErrorMetric.MaxRelativeError(A.D(withFloat.Weights!), A.D(withBool.Weights!), dtype) <= tolerance);
            double[] output = A.D(withFloat.Output), bias = A.D(call.OutProjBias!);
            Assert.All(output.Concat(A.D(withFloat.Weights!)), v => Assert.False(double.IsNaN(v)));
            for (int n = 0; n < 2; n++)
            {
                Assert.Equal(bias, output[(n * 9)..((n * 9) + 3)]); // row 0 of each sample: fully masked
                Assert.All(A.D(withFloat.Weights!)[(n * 15)..((n * 15) + 5)], w => Assert.Equal(0.0, w));
            }
        }
    }

    internal static IvyArray U(Random r, DType dtype, params int[] shape) =>
        A.F(dtype, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (2 * r.NextDouble()) - 1).ToArray(), shape);
}
