using IvySharp;

namespace SentenceSimilarity.Model;

/// <summary>
/// Reads a BERT encoder's weights out of its ONNX graph into an IvySharp <see cref="Container"/> whose
/// sub-containers are the variables of IvySharp layers, under Ivy's names, so each is handed to its layer as
/// <c>v</c> unchanged:
/// <list type="bullet">
/// <item><c>embeddings/{word,position,token_type}</c> (rows, E), and <c>embeddings/norm/{weight,bias}</c> for a
/// <c>Layers.LayerNorm</c>;</item>
/// <item><c>layer{i}/attention</c> for a <c>Layers.MultiHeadAttention</c>: <c>in_proj_weights</c> (3E, E), the
/// query, key and value matrices stacked row-wise (each (out, in), transposed once here from ONNX's (in, out)),
/// so self-attention projects with one GEMM; <c>in_proj_bias</c> (3E: q, k, v); <c>out_proj_weights</c> (E, E)
/// and <c>out_proj_bias</c>;</item>
/// <item><c>layer{i}/attention_norm/{weight,bias}</c>, the LayerNorm after attention;</item>
/// <item><c>layer{i}/ffn_up/{w,b}</c> (4E, E) and <c>layer{i}/ffn_down/{w,b}</c> (E, 4E) for <c>Layers.Linear</c>
/// (out, in), and <c>layer{i}/ffn_norm/{weight,bias}</c>.</item>
/// </list>
/// </summary>
public static class WeightLoader
{
    /// <summary>Loads every weight the encoder uses.</summary>
    public static Container Load(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var store = new Container();
        foreach ((string key, string name) in (ReadOnlySpan<(string, string)>)[
            ("embeddings/word", "embeddings.word_embeddings.weight"),
            ("embeddings/position", "embeddings.position_embeddings.weight"),
            ("embeddings/token_type", "embeddings.token_type_embeddings.weight"),
        ])
        {
            Add(store, key, graph.Floats(name), graph.Dimensions(name));
        }

        AddNorm(store, graph, "embeddings/norm", "embeddings.LayerNorm");
        for (int i = 0; i < graph.LayerCount; i++) LoadLayer(store, graph, i);
        return store;
    }

    private static void LoadLayer(Container store, OnnxGraph graph, int layer)
    {
        string onnx = $"encoder.layer.{layer}.", key = $"layer{layer}/";

        // q, k and v (out, in) one after another: the packed (3E, E) in-projection, and their biases likewise.
        var inProjection = new List<float>();
        var inBias = new List<float>();
        int width = 0;
        foreach (string part in (ReadOnlySpan<string>)["query", "key", "value"])
        {
            string bias = $"{onnx}attention.self.{part}.bias";
            (float[] w, int rows, int columns) = graph.MatrixBefore(bias);
            inProjection.AddRange(Transpose(w, rows, columns));
            inBias.AddRange(graph.Floats(bias));
            width = rows;
        }

        Add(store, $"{key}attention/in_proj_weights", [.. inProjection], inBias.Count, width);
        Add(store, $"{key}attention/in_proj_bias", [.. inBias], inBias.Count);
        AddDense(store, graph, $"{key}attention", "out_proj_weights", "out_proj_bias", $"{onnx}attention.output.dense.bias");
        AddNorm(store, graph, $"{key}attention_norm", $"{onnx}attention.output.LayerNorm");
        AddDense(store, graph, $"{key}ffn_up", "w", "b", $"{onnx}intermediate.dense.bias");
        AddDense(store, graph, $"{key}ffn_down", "w", "b", $"{onnx}output.dense.bias");
        AddNorm(store, graph, $"{key}ffn_norm", $"{onnx}output.LayerNorm");
    }

    /// <summary>The matrix before <paramref name="biasName"/>, as (out, in), and the bias, under the given names.</summary>
    private static void AddDense(Container store, OnnxGraph graph, string prefix, string weightKey, string biasKey, string biasName)
    {
        (float[] w, int inFeatures, int outFeatures) = graph.MatrixBefore(biasName);
        Add(store, $"{prefix}/{weightKey}", Transpose(w, inFeatures, outFeatures), outFeatures, inFeatures);
        float[] bias = graph.Floats(biasName);
        Add(store, $"{prefix}/{biasKey}", bias, bias.Length);
    }

    private static void AddNorm(Container store, OnnxGraph graph, string prefix, string onnxModule)
    {
        foreach ((string key, string suffix) in (ReadOnlySpan<(string, string)>)[("weight", "weight"), ("bias", "bias")])
        {
            float[] values = graph.Floats($"{onnxModule}.{suffix}");
            Add(store, $"{prefix}/{key}", values, values.Length);
        }
    }

    private static void Add(Container store, string keyChain, float[] values, params int[] shape) =>
        store.Add(keyChain, IvyArray.From(values, shape)); // wraps the array: no copy

    /// <summary>(rows, columns) row-major to (columns, rows) row-major.</summary>
    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) result[(c * rows) + r] = matrix[(r * columns) + c];
        }

        return result;
    }
}
