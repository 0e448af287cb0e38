using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// The engine's output handling: straight into <c>@out</c> when it can (same bits as a fresh result),
/// through a buffer when <c>@out</c> aliases an input or has another dtype; fully masked rows give
/// zeros, never NaN.
/// </summary>
public sealed class EngineOutputTests
{
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (KernelVariant variant in EngineVersusPlainTests.EngineVariants()) data.Add(variant.ToString());
        return data;
    }

    [Theory, MemberData(nameof(Variants))]
    public void Out_aliasing_the_query_gets_the_result_computed_from_the_original_query(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        foreach (bool project in new[] { true, false })
        {
            // O = Q so @out can be the query itself; with no projections the core would read the query it writes.
            var shape = new CallShape { N = 2, L = 17, S = 17, H = 2, D = 8, Projection = project ? Projection.PackedSelf : Projection.None, OutProjection = false };
            MhaCall call = shape.Build();
            if (project)
            {
                int q = call.Query.Shape[^1];
                var random = new Random(3);
                double[] w = Enumerable.Range(0, q * shape.E).Select(_ => random.NextDouble() - 0.5).ToArray();
                call = call with { OutProjWeights = A.F(DType.Float32, w, q, shape.E) };
            }
            else
            {
                call = call with { Key = null, Value = null };
            }

            var expected = Pinned.Run(call with { Query = Clone(call.Query) }, KernelVariant.Simple).Output;
            IvyArray query = call.Query;
            var result = Pinned.Run(call with { Out = query }, v);
            Assert.Same(query, result.Output);
            EngineVersusPlainTests.AssertClose(expected, query, 1e-5, "output written over the query");
        }
    }

    [Theory, MemberData(nameof(Variants))]
    public void Out_of_the_compute_dtype_receives_the_same_bits_as_a_fresh_result(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        foreach (bool project in new[] { true, false })
        {
            MhaCall call = new CallShape { N = 2, L = 17, S = 9, H = 2, D = 8, BatchFirst = false, OutProjection = project, Projection = Projection.None }.Build();
            var fresh = Pinned.Run(call, v).Output;
            var target = IvyArray.Zeros(DType.Float32, fresh.Shape.ToArray());
            var written = Pinned.Run(call with { Out = target }, v).Output;
            Assert.Same(target, written);
            Assert.Equal(fresh.ToArray<float>(), target.ToArray<float>());
        }
    }

    [Theory, MemberData(nameof(Variants))]
    public void Out_of_another_dtype_is_converted(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        MhaCall call = new CallShape { N = 2, L = 5, S = 9, H = 2, D = 8 }.Build();
        var fresh = Pinned.Run(call, v).Output;
        var target = IvyArray.Zeros(DType.Float64, fresh.Shape.ToArray());
        Pinned.Run(call with { Out = target }, v);
        Assert.Equal(fresh.ToArray<float>().Select(x => (double)x).ToArray(), target.ToArray<double>());
    }

    [Theory, MemberData(nameof(Variants))]
    public void Fully_masked_rows_give_zero_output_and_zero_weights(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        foreach (bool average in new[] { true, false })
        {
            // Sample 0 pads every key, and row 0 of the attention mask masks every key: no projection, so rows are exactly 0.
            var shape = new CallShape
            {
                N = 2, L = 17, S = 40, H = 2, D = 8, Projection = Projection.None, OutProjection = false,
                Mask = MaskKind.Bool2D, Padding = PaddingKind.Bool, FullyMasked = true,
                Weights = average ? WeightsKind.Averaged : WeightsKind.PerHead,
            };
            var (output, weights) = Pinned.Run(shape.Build(), v);
            float[] o = output.ToArray<float>(), w = weights!.ToArray<float>();
            Assert.DoesNotContain(o, float.IsNaN);
            Assert.DoesNotContain(w, float.IsNaN);
            int rowWidth = shape.E, perSample = shape.L * rowWidth;
            Assert.All(o.Take(perSample), x => Assert.Equal(0f, x));
            Assert.All(o.Skip(perSample).Take(rowWidth), x => Assert.Equal(0f, x));
            int weightsPerSample = w.Length / 2;
            Assert.All(w.Take(weightsPerSample), x => Assert.Equal(0f, x));
        }
    }

    [Theory, MemberData(nameof(Variants))]
    public void Keys_masked_out_for_every_query_have_no_influence_even_holding_NaN_and_infinity(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);

        // Short blocks (padded lanes next to real rows), the decode route with a key split, a causal block,
        // and the weights sweep: the poisoned keys are padded out, or masked by a bool column mask.
        (int L, int S, int D, bool Causal, bool Weights)[] shapes = [(9, 9, 3, false, true), (1, 3000, 16, false, false), (70, 300, 8, true, false), (3, 40, 32, false, true)];
        foreach (var (l, s, d, causal, weights) in shapes)
        {
            // (A causal call ignores the attention mask, so there only padding masks keys out.)
            foreach (bool byPadding in causal ? new[] { true } : new[] { true, false })
            {
                var random = new Random(l + s);
                var shape = new CallShape { N = 2, L = l, S = s, H = 2, D = d, Projection = Projection.None, OutProjection = false, Causal = causal, Weights = weights ? WeightsKind.PerHead : WeightsKind.None };
                MhaCall call = shape.Build();
                bool[] maskedKey = Enumerable.Range(0, s).Select(j => j % 3 == 1).ToArray();
                call = byPadding
                    ? call with { KeyPaddingMask = A.B(Enumerable.Range(0, 2 * s).Select(i => maskedKey[i % s]).ToArray(), 2, s) }
                    : call with { AttentionMask = A.B(Enumerable.Range(0, l * s).Select(i => maskedKey[i % s] || random.Next(7) == 0).ToArray(), l, s) };
                double[] poison = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];
                MhaCall poisoned = call with
                {
                    Key = Poison(call.Key!, maskedKey, () => random.Next(2) == 0 ? poison[random.Next(3)] : 50),
                    Value = Poison(call.Value!, maskedKey, () => poison[random.Next(3)]),
                };

                var clean = Pinned.Run(call, v);
                var dirty = Pinned.Run(poisoned, v);
                string where = $"L={l} S={s} d={d} causal={causal} {(byPadding ? "padding" : "attention mask")}";
                float[] expected = clean.Output.ToArray<float>(), actual = dirty.Output.ToArray<float>();
                for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].Equals(actual[i]), $"{where}: output[{i}] {expected[i]} vs {actual[i]}");
                Assert.Equal(clean.Weights?.ToArray<float>(), dirty.Weights?.ToArray<float>());
            }
        }
    }

    [Theory, MemberData(nameof(Variants))]
    public void The_output_has_the_same_bits_with_and_without_weights(string variant)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        CallShape[] shapes =
        [
            new() { L = 70, S = 90, H = 3, D = 16, Mask = MaskKind.Bool2D, Padding = PaddingKind.Float },
            new() { N = 1, L = 1, S = 3000, H = 2, D = 16, Projection = Projection.None, OutProjection = false, Padding = PaddingKind.Bool },
            new() { N = 1, L = 9, S = 2500, H = 2, D = 8, Causal = true, Dropout = 0.2, Seed = 9 },
        ];
        foreach (CallShape shape in shapes)
        {
            MhaCall call = shape.Build();
            float[] plain = Pinned.Run(call, v).Output.ToArray<float>();
            Assert.Equal(plain, Pinned.Run(call with { ReturnAttentionWeights = true }, v).Output.ToArray<float>());
            Assert.Equal(plain, Pinned.Run(call with { ReturnAttentionWeights = true, AverageAttentionWeights = false }, v).Output.ToArray<float>());
        }
    }

    // Batch-first (N, S, E) float32: every feature of the masked keys' rows replaced.
    private static IvyArray Poison(IvyArray input, bool[] maskedKey, Func<double> value)
    {
        int s = input.Shape[1], e = input.Shape[2];
        double[] data = input.ToArray<double>();
        for (int i = 0; i < data.Length; i++)
        {
            if (maskedKey[(i / e) % s]) data[i] = value();
        }

        return A.F(DType.Float32, data, input.Shape.ToArray());
    }

    private static IvyArray Clone(IvyArray a) => IvyArray.From(a.ToArray<float>(), a.Shape.ToArray());
}
