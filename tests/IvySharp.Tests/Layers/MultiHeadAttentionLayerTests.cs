using IvySharp.Tests.Reliability;
using AttentionLayer = IvySharp.Layers.MultiHeadAttention;

namespace IvySharp.Tests.Layers;

/// <summary>
/// The stateful <see cref="AttentionLayer"/>: Ivy's dimensions and variable names, seeded initialisation, given
/// and replaced variables (checked before anything changes), and a forward that gives the bits of
/// <c>Ivy.MultiHeadAttention</c> called with the same variables, on every kernel variant.
/// </summary>
public sealed class MultiHeadAttentionLayerTests
{
    public static TheoryData<string> Variants() => KernelVariants.Theory();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Forward_gives_the_bits_of_the_function_with_the_same_variables(string variant)
    {
        using var pinned = KernelVariants.Use(variant);
        var random = new Random(7);
        foreach ((int embed, int keyDim, int heads, bool bias, bool cross) in new[] { (16, 16, 4, true, false), (12, 20, 3, false, true), (8, 8, 2, false, false), (24, 10, 6, true, true), (16, 16, 4, true, true) })
        {
            var layer = new AttentionLayer(embed, keyDim: keyDim, valueDim: keyDim, numHeads: heads, useProjBias: bias, seed: 11);
            IvyArray query = Random(random, 2, 5, embed);
            IvyArray key = cross ? Random(random, 2, 7, keyDim) : query;
            int s = key.Shape[1];
            IvyArray padding = IvyArray.From(Enumerable.Range(0, 2 * s).Select(i => i % s == s - 1).ToArray(), 2, s);
            Container v = layer.V;
            IvyArray? Get(string name) => v.TryGetValue(name, out ContainerValue value) ? value.AsArray() : null;

            var (output, weights) = layer.Forward(query, key, key, keyPaddingMask: padding, returnAttentionWeights: true);
            var (expected, expectedWeights) = Ivy.MultiHeadAttention(
                query, key, key, numHeads: heads, scale: layer.Scale, inProjWeights: Get("in_proj_weights"),
                qProjWeights: Get("q_proj_weights"), kProjWeights: Get("k_proj_weights"), vProjWeights: Get("v_proj_weights"),
                outProjWeights: Get("out_proj_weights"), inProjBias: Get("in_proj_bias"), outProjBias: Get("out_proj_bias"),
                keyPaddingMask: padding, returnAttentionWeights: true);
            Assert.Equal(expected.ToArray<float>(), output.ToArray<float>());
            Assert.Equal(expectedWeights!.ToArray<float>(), weights!.ToArray<float>());
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Cross_forward_with_its_three_projections_in_one_fan_out_gives_the_bits_of_the_function(string variant)
    {
        // A cross call's q, k and v projections run as one fan-out when the layer's weights are prepared; big enough
        // here (27 × 128 × 128 each) to be shared between two threads. Packed and separate weights, one and two threads.
        var random = new Random(21);
        foreach (int keyDim in new[] { 128, 96 })
        {
            var layer = new AttentionLayer(128, keyDim: keyDim, valueDim: keyDim, numHeads: 4, seed: 5);
            IvyArray query = Random(random, 3, 9, 128), key = Random(random, 3, 12, keyDim), value = Random(random, 3, 12, keyDim);
            IvyArray padding = IvyArray.From(Enumerable.Range(0, 36).Select(i => i % 12 > 9).ToArray(), 3, 12);
            Container v = layer.V;
            IvyArray? Get(string name) => v.TryGetValue(name, out ContainerValue found) ? found.AsArray() : null;
            foreach (int threads in new[] { 1, 2 })
            {
                using var pinned = KernelVariants.Use(variant, threads);
                float[] output = layer.Forward(query, key, value, keyPaddingMask: padding).Output.ToArray<float>();
                float[] expected = Ivy.MultiHeadAttention(
                    query, key, value, numHeads: 4, scale: layer.Scale, inProjWeights: Get("in_proj_weights"),
                    qProjWeights: Get("q_proj_weights"), kProjWeights: Get("k_proj_weights"), vProjWeights: Get("v_proj_weights"),
                    outProjWeights: Get("out_proj_weights"), inProjBias: Get("in_proj_bias"), outProjBias: Get("out_proj_bias"),
                    keyPaddingMask: padding).Output.ToArray<float>();
                Assert.Equal(expected, output);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Forward_runs_on_weights_packed_when_the_layer_was_built(string variant)
    {
        // The layer packs its projections once; writing into a variable's memory afterwards (which the docs tell
        // users not to do) shows that no forward packs them again: self and cross attention give the bits they
        // gave before the write, while the function, which packs per call, sees the new values.
        using var pinned = KernelVariants.Use(variant);
        var random = new Random(12);
        float[] inProj = new float[3 * 16 * 16], outProj = new float[16 * 16];
        for (int i = 0; i < inProj.Length; i++) inProj[i] = (float)(random.NextDouble() - 0.5);
        for (int i = 0; i < outProj.Length; i++) outProj[i] = (float)(random.NextDouble() - 0.5);
        var layer = new AttentionLayer(16, numHeads: 4, useProjBias: false,
            v: new Container { { "in_proj_weights", IvyArray.From(inProj, 48, 16) }, { "out_proj_weights", IvyArray.From(outProj, 16, 16) } });
        IvyArray query = Random(random, 2, 5, 16), memory = Random(random, 2, 9, 16);
        float[] self = layer.Forward(query).Output.ToArray<float>(), cross = layer.Forward(query, memory).Output.ToArray<float>();

        Array.Fill(inProj, 0.25f);
        Array.Fill(outProj, -0.5f);
        Assert.Equal(self, layer.Forward(query).Output.ToArray<float>());
        Assert.Equal(cross, layer.Forward(query, memory).Output.ToArray<float>());
        Assert.NotEqual(self, Ivy.MultiHeadAttention(query, numHeads: 4, inProjWeights: IvyArray.From(inProj, 48, 16), outProjWeights: IvyArray.From(outProj, 16, 16)).Output.ToArray<float>());
    }

    [Fact]
    public void Variables_have_Ivys_names_and_shapes()
    {
        var packed = new AttentionLayer(16, numHeads: 4, seed: 1);
        Assert.Equal(["in_proj_weights", "out_proj_weights", "in_proj_bias", "out_proj_bias"], packed.V.KeyChains);
        Assert.Equal([48, 16], packed.V["in_proj_weights"].AsArray().Shape);
        Assert.Equal([16, 16], packed.V["out_proj_weights"].AsArray().Shape);

        var separate = new AttentionLayer(12, keyDim: 5, valueDim: 7, numHeads: 2, headDim: 4, useProjBias: false, seed: 1);
        Assert.Equal(8, separate.InnerDim);
        Assert.Equal(4, separate.HeadDim);
        Assert.Equal(["q_proj_weights", "k_proj_weights", "v_proj_weights", "out_proj_weights"], separate.V.KeyChains);
        Assert.Equal([8, 12], separate.V["q_proj_weights"].AsArray().Shape);
        Assert.Equal([8, 5], separate.V["k_proj_weights"].AsArray().Shape);
        Assert.Equal([8, 7], separate.V["v_proj_weights"].AsArray().Shape);
        Assert.Equal([12, 8], separate.V["out_proj_weights"].AsArray().Shape);
        Assert.Equal(0.5, separate.Scale, 15);

        var fromHeads = new AttentionLayer(numHeads: 3, headDim: 5);
        Assert.Equal(15, fromHeads.EmbedDim);
    }

    [Fact]
    public void Initialisation_is_GlorotUniform_weights_and_zero_biases_reproducible_by_seed()
    {
        var a = new AttentionLayer(32, numHeads: 4, seed: 5);
        var b = new AttentionLayer(32, numHeads: 4, seed: 5);
        var c = new AttentionLayer(32, numHeads: 4, seed: 6);
        float[] weights = a.V["in_proj_weights"].AsArray().ToArray<float>();
        Assert.Equal(weights, b.V["in_proj_weights"].AsArray().ToArray<float>());
        Assert.NotEqual(weights, c.V["in_proj_weights"].AsArray().ToArray<float>());
        double limit = Math.Sqrt(6.0 / (32 + 96));
        Assert.All(weights, w => Assert.InRange(Math.Abs(w), 0, limit));
        Assert.True(weights.Max(Math.Abs) > 0.9 * limit, "the draws should reach near the GlorotUniform limit");
        Assert.All(a.V["in_proj_bias"].AsArray().ToArray<float>(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Given_variables_replace_the_created_ones_and_are_checked()
    {
        IvyArray outWeights = Random(new Random(3), 8, 8);
        var layer = new AttentionLayer(8, numHeads: 2, v: new Container { { "out_proj_weights", outWeights } }, seed: 2);
        Assert.Same(outWeights, layer.V["out_proj_weights"].AsArray());

        var wrongShape = Assert.Throws<ArgumentException>(() => new AttentionLayer(8, numHeads: 2, v: new Container { { "out_proj_weights", Random(new Random(1), 8, 4) } }));
        Assert.Equal("v", wrongShape.ParamName);
        Assert.Contains("(8, 8)", wrongShape.Message, StringComparison.Ordinal);
        Assert.Contains("(8, 4)", wrongShape.Message, StringComparison.Ordinal);

        var unknown = Assert.Throws<ArgumentException>(() => new AttentionLayer(8, numHeads: 2, v: new Container { { "q_proj_weights", Random(new Random(1), 8, 8) } }));
        Assert.Equal("v", unknown.ParamName);

        var wrongDtype = Assert.Throws<ArgumentException>(() => new AttentionLayer(8, numHeads: 2, v: new Container { { "out_proj_weights", IvyArray.Zeros(DType.Float64, 8, 8) } }));
        Assert.Equal("v", wrongDtype.ParamName);
    }

    [Fact]
    public void Setting_V_is_checked_before_anything_changes_and_then_used()
    {
        var layer = new AttentionLayer(8, numHeads: 2, seed: 4);
        IvyArray x = Random(new Random(9), 1, 3, 8);
        float[] before = layer.Forward(x).Output.ToArray<float>();
        Container original = layer.V;

        var error = Assert.Throws<ArgumentException>(() => layer.V = new Container { { "in_proj_bias", Random(new Random(1), 3) } });
        Assert.Equal("value", error.ParamName);
        Assert.Equal(before, layer.Forward(x).Output.ToArray<float>());
        Assert.Same(original["in_proj_weights"].AsArray(), layer.V["in_proj_weights"].AsArray());

        layer.V = new Container { { "out_proj_bias", IvyArray.From(Enumerable.Repeat(1f, 8).ToArray(), 8) } };
        float[] after = layer.Forward(x).Output.ToArray<float>();
        for (int i = 0; i < after.Length; i++) Assert.Equal(before[i] + 1f, after[i], 5);
    }

    [Fact]
    public void Dropout_applies_in_training_only_and_matches_the_function()
    {
        var layer = new AttentionLayer(8, numHeads: 2, dropoutRate: 0.5, seed: 4);
        IvyArray x = Random(new Random(9), 2, 6, 8);
        Container v = layer.V;
        float[] training = layer.Forward(x, seed: 123).Output.ToArray<float>();
        float[] function = Ivy.MultiHeadAttention(
            x, numHeads: 2, scale: layer.Scale, inProjWeights: v["in_proj_weights"].AsArray(), outProjWeights: v["out_proj_weights"].AsArray(),
            inProjBias: v["in_proj_bias"].AsArray(), outProjBias: v["out_proj_bias"].AsArray(), dropout: 0.5, training: true, seed: 123).Output.ToArray<float>();
        Assert.Equal(function, training);

        layer.Training = false;
        float[] evaluation = layer.Forward(x, seed: 123).Output.ToArray<float>();
        Assert.NotEqual(training, evaluation);
        Assert.Equal(evaluation, layer.Forward(x, seed: 999).Output.ToArray<float>());
    }

    [Theory]
    [InlineData("numHeads")]
    [InlineData("embedDim")]
    [InlineData("dropoutRate")]
    [InlineData("dtype")]
    public void Bad_construction_arguments_are_named(string parameter)
    {
        ArgumentException error = parameter switch
        {
            "numHeads" => Assert.Throws<ArgumentException>(() => new AttentionLayer(10, numHeads: 3)),
            "embedDim" => Assert.Throws<ArgumentException>(() => new AttentionLayer(numHeads: 3)),
            "dropoutRate" => Assert.Throws<ArgumentException>(() => new AttentionLayer(8, numHeads: 2, dropoutRate: 1.5)),
            _ => Assert.Throws<ArgumentException>(() => new AttentionLayer(8, numHeads: 2, dtype: DType.Bool)),
        };
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Inputs_of_the_wrong_width_are_named_errors()
    {
        var layer = new AttentionLayer(8, numHeads: 2, seed: 1);
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(Random(new Random(1), 1, 3, 6)));
        Assert.False(string.IsNullOrEmpty(error.ParamName));
    }

    private static IvyArray Random(Random random, params int[] shape)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2) - 1);
        return IvyArray.From(values, shape);
    }
}
