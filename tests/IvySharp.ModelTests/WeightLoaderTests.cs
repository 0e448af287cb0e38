using IvySharp.ModelTests.Support;
using SentenceSimilarity.Model;

namespace IvySharp.ModelTests;

/// <summary>The weights read out of the ONNX graphs.</summary>
public sealed class WeightLoaderTests
{
    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void Every_layer_has_its_weights_in_the_shapes_attention_and_the_dense_layers_expect(string name)
    {
        LoadedModel model = LoadedModel.Get(name);
        Container weights = WeightLoader.Load(model.Graph);

        Assert.Equal(6, model.Graph.LayerCount);
        Assert.Equal(12, model.Encoder.Heads);
        Assert.Equal([30522, 384], weights.Array("embeddings/word").Shape);
        Assert.Equal([512, 384], weights.Array("embeddings/position").Shape);
        for (int i = 0; i < 6; i++)
        {
            foreach (string part in (string[])["q", "k", "v", "out"]) Assert.Equal([384, 384], weights.Array($"layer{i}/attention/{part}").Shape);
            Assert.Equal([3 * 384], weights.Array($"layer{i}/attention/in_bias").Shape);
            Assert.Equal([384, 1536], weights.Array($"layer{i}/ffn/up").Shape);
            Assert.Equal([1536, 384], weights.Array($"layer{i}/ffn/down").Shape);
            Assert.Equal([1536], weights.Array($"layer{i}/ffn/up_bias").Shape);
        }

        // 5 embedding arrays + 14 per layer, nothing else; a tree of embeddings and one node per layer.
        Assert.Equal(5 + (6 * 14), weights.KeyChains.Count());
        Assert.Equal(["embeddings", "layer0", "layer1", "layer2", "layer3", "layer4", "layer5"], weights.Keys);
        Assert.Equal(["attention", "ffn"], weights["layer2"].AsContainer().Keys);
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("arctic")]
    public void Attention_matrices_are_the_onnx_matmul_operands_transposed_and_biases_are_packed_q_k_v(string name)
    {
        LoadedModel model = LoadedModel.Get(name);
        Container weights = WeightLoader.Load(model.Graph);
        const int layer = 3, e = 384;
        string prefix = $"encoder.layer.{layer}.attention.self.";

        (float[] onnxKey, int rows, int columns) = model.Graph.MatrixBefore(prefix + "key.bias");
        Assert.Equal((e, e), (rows, columns));
        ReadOnlySpan<float> key = weights.Floats($"layer{layer}/attention/k");
        foreach ((int o, int i) in (ReadOnlySpan<(int, int)>)[(0, 1), (1, 0), (5, 300), (383, 17)])
        {
            Assert.Equal(onnxKey[(i * e) + o], key[(o * e) + i]); // (out, in) here, (in, out) in ONNX
        }

        ReadOnlySpan<float> inBias = weights.Floats($"layer{layer}/attention/in_bias");
        Assert.Equal(model.Graph.Floats(prefix + "query.bias"), inBias[..e].ToArray());
        Assert.Equal(model.Graph.Floats(prefix + "key.bias"), inBias.Slice(e, e).ToArray());
        Assert.Equal(model.Graph.Floats(prefix + "value.bias"), inBias.Slice(2 * e, e).ToArray());
    }
}
