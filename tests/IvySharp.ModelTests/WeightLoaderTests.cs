using IvySharp.ModelTests.Support;
using SentenceSimilarity.Model;

namespace IvySharp.ModelTests;

/// <summary>The weights read out of the ONNX graphs.</summary>
public sealed class WeightLoaderTests
{
    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void Every_layer_has_its_weights_under_ivys_names_in_the_shapes_the_layers_expect(string name)
    {
        LoadedModel model = LoadedModel.Get(name);
        Container weights = WeightLoader.Load(model.Graph);

        Assert.Equal(6, model.Graph.LayerCount);
        Assert.Equal(12, model.Encoder.Heads);
        Assert.Equal([30522, 384], weights.Array("embeddings/word").Shape);
        Assert.Equal([512, 384], weights.Array("embeddings/position").Shape);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal([3 * 384, 384], weights.Array($"layer{i}/attention/in_proj_weights").Shape);
            Assert.Equal([3 * 384], weights.Array($"layer{i}/attention/in_proj_bias").Shape);
            Assert.Equal([384, 384], weights.Array($"layer{i}/attention/out_proj_weights").Shape);
            Assert.Equal([1536, 384], weights.Array($"layer{i}/ffn_up/w").Shape);   // Linear's (out, in)
            Assert.Equal([1536], weights.Array($"layer{i}/ffn_up/b").Shape);
            Assert.Equal([384, 1536], weights.Array($"layer{i}/ffn_down/w").Shape);
            Assert.Equal([384], weights.Array($"layer{i}/ffn_norm/weight").Shape);
        }

        // 5 embedding arrays + 12 per layer, nothing else; one sub-container per IvySharp layer, each its `v`.
        Assert.Equal(5 + (6 * 12), weights.KeyChains.Count());
        Assert.Equal(["embeddings", "layer0", "layer1", "layer2", "layer3", "layer4", "layer5"], weights.Keys);
        Assert.Equal(["attention", "attention_norm", "ffn_up", "ffn_down", "ffn_norm"], weights["layer2"].AsContainer().Keys);
        Assert.Equal(["in_proj_weights", "in_proj_bias", "out_proj_weights", "out_proj_bias"], weights["layer2/attention"].AsContainer().Keys);
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void The_packed_in_projection_stacks_the_onnx_query_key_value_matrices_transposed_and_their_biases(string name)
    {
        LoadedModel model = LoadedModel.Get(name);
        Container weights = WeightLoader.Load(model.Graph);
        const int layer = 3, e = 384;
        string prefix = $"encoder.layer.{layer}.attention.self.";
        ReadOnlySpan<float> inProjection = weights.Floats($"layer{layer}/attention/in_proj_weights");
        ReadOnlySpan<float> inBias = weights.Floats($"layer{layer}/attention/in_proj_bias");

        foreach ((string part, int block) in (ReadOnlySpan<(string, int)>)[("query", 0), ("key", 1), ("value", 2)])
        {
            (float[] onnx, int rows, int columns) = model.Graph.MatrixBefore(prefix + part + ".bias");
            Assert.Equal((e, e), (rows, columns));
            foreach ((int o, int i) in (ReadOnlySpan<(int, int)>)[(0, 1), (1, 0), (5, 300), (383, 17)])
            {
                Assert.Equal(onnx[(i * e) + o], inProjection[(((block * e) + o) * e) + i]); // rows (out, in) here, (in, out) in ONNX
            }

            Assert.Equal(model.Graph.Floats(prefix + part + ".bias"), inBias.Slice(block * e, e).ToArray());
        }

        (float[] up, int upIn, int upOut) = model.Graph.MatrixBefore($"encoder.layer.{layer}.intermediate.dense.bias");
        Assert.Equal((e, 4 * e), (upIn, upOut));
        Assert.Equal(up[(7 * upOut) + 1000], weights.Floats($"layer{layer}/ffn_up/w")[(1000 * upIn) + 7]);
    }
}
