using IvySharp;

namespace SentenceSimilarity.Model;

/// <summary>
/// Reads a BERT encoder's weights out of its ONNX graph into an IvySharp <see cref="Container"/>,
/// one sub-container per layer:
/// <list type="bullet">
/// <item><c>embeddings/{word,position,token_type}</c> (rows, E) and <c>embeddings/norm/{scale,bias}</c>;</item>
/// <item><c>layer{i}/attention/{q,k,v,out}</c> (out, in) as <c>Ivy.MultiHeadAttention</c> wants them
/// (transposed once here from ONNX's (in, out)), <c>in_bias</c> (3E: q, k, v) and <c>out_bias</c>;</item>
/// <item><c>layer{i}/attention/norm/{scale,bias}</c>, the LayerNorm after attention;</item>
/// <item><c>layer{i}/ffn/{up,down}</c> kept as ONNX stores them, (in, out), the layout the sample's
/// row-times-matrix kernel streams, with <c>up_bias</c>, <c>down_bias</c> and <c>norm/{scale,bias}</c>.</item>
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

        AddVector(store, graph, "embeddings/norm/scale", "embeddings.LayerNorm.weight");
        AddVector(store, graph, "embeddings/norm/bias", "embeddings.LayerNorm.bias");
        for (int i = 0; i < graph.LayerCount; i++) LoadLayer(store, graph, i);
        return store;
    }

    private static void LoadLayer(Container store, OnnxGraph graph, int layer)
    {
        string onnx = $"encoder.layer.{layer}.", key = $"layer{layer}/";

        var inBias = new List<float>();
        foreach (string part in (ReadOnlySpan<string>)["query", "key", "value"])
        {
            string bias = $"{onnx}attention.self.{part}.bias";
            (float[] w, int rows, int columns) = graph.MatrixBefore(bias);
            Add(store, $"{key}attention/{part[0]}", Transpose(w, rows, columns), columns, rows);
            inBias.AddRange(graph.Floats(bias));
        }

        Add(store, $"{key}attention/in_bias", [.. inBias], inBias.Count);
        (float[] output, int outIn, int outOut) = graph.MatrixBefore($"{onnx}attention.output.dense.bias");
        Add(store, $"{key}attention/out", Transpose(output, outIn, outOut), outOut, outIn);
        AddVector(store, graph, $"{key}attention/out_bias", $"{onnx}attention.output.dense.bias");
        AddVector(store, graph, $"{key}attention/norm/scale", $"{onnx}attention.output.LayerNorm.weight");
        AddVector(store, graph, $"{key}attention/norm/bias", $"{onnx}attention.output.LayerNorm.bias");

        (float[] up, int upIn, int upOut) = graph.MatrixBefore($"{onnx}intermediate.dense.bias");
        Add(store, $"{key}ffn/up", up, upIn, upOut);
        AddVector(store, graph, $"{key}ffn/up_bias", $"{onnx}intermediate.dense.bias");
        (float[] down, int downIn, int downOut) = graph.MatrixBefore($"{onnx}output.dense.bias");
        Add(store, $"{key}ffn/down", down, downIn, downOut);
        AddVector(store, graph, $"{key}ffn/down_bias", $"{onnx}output.dense.bias");
        AddVector(store, graph, $"{key}ffn/norm/scale", $"{onnx}output.LayerNorm.weight");
        AddVector(store, graph, $"{key}ffn/norm/bias", $"{onnx}output.LayerNorm.bias");
    }

    private static void Add(Container store, string keyChain, float[] values, params int[] shape) =>
        store.Add(keyChain, IvyArray.From(values, shape)); // wraps the array: no copy

    private static void AddVector(Container store, OnnxGraph graph, string key, string name)
    {
        float[] values = graph.Floats(name);
        Add(store, key, values, values.Length);
    }

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
