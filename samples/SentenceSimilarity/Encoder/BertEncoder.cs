using System.Numerics.Tensors;
using IvySharp;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>
/// A BERT sentence encoder in C#, with every attention block computed by <c>Ivy.MultiHeadAttention</c>:
/// embeddings (word + position + token type) and LayerNorm; per layer self-attention (separate q/k/v
/// projections, in-projection bias, output projection, the batch's padding as key padding mask),
/// residual + LayerNorm, feed-forward with erf GELU, residual + LayerNorm; then the model's pooling
/// and L2 normalisation.
/// </summary>
public sealed class BertEncoder
{
    private readonly WeightStore _weights;
    private readonly int _layers;

    /// <summary>An encoder over <paramref name="weights"/> (see <see cref="WeightLoader"/> for the keys).</summary>
    public BertEncoder(WeightStore weights, int layers, int heads, Pooling pooling)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
        _layers = layers;
        Heads = heads;
        Pooling = pooling;
        Width = weights["embeddings/word"].Shape[1];
    }

    /// <summary>E, the hidden width (384 for both sample models).</summary>
    public int Width { get; }

    /// <summary>The attention heads per layer.</summary>
    public int Heads { get; }

    /// <summary>How hidden states become a sentence vector.</summary>
    public Pooling Pooling { get; }

    /// <summary>Loads <paramref name="model"/>'s weights from its ONNX graph.</summary>
    public static BertEncoder Load(PretrainedModel model, OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(graph);
        WeightStore weights = WeightLoader.Load(graph);
        // Both models have 32-wide heads (hidden 384 / 12); the graphs reshape to that head width.
        const int headWidth = 32;
        return new BertEncoder(weights, graph.LayerCount, weights["embeddings/word"].Shape[1] / headWidth, model.Pooling);
    }

    /// <summary>The L2-normalised sentence embeddings, (N, E) row-major.</summary>
    public float[] Encode(TokenBatch batch) => SentencePooling.Pool(batch, Hidden(batch, _layers), Pooling);

    /// <summary>
    /// The output of layer 0's attention block (after the output projection and its bias, before the
    /// residual), (N, L, E): the tensor compared with ONNX Runtime's own.
    /// </summary>
    public float[] FirstAttention(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Attention(Embed(batch), batch, 0);
    }

    /// <summary>The hidden states after <paramref name="layers"/> layers, (N, L, E).</summary>
    public float[] Hidden(TokenBatch batch, int layers)
    {
        ArgumentNullException.ThrowIfNull(batch);
        float[] hidden = Embed(batch);
        for (int layer = 0; layer < layers; layer++) hidden = Layer(hidden, batch, layer);
        return hidden;
    }

    private float[] Embed(TokenBatch batch)
    {
        int e = Width, length = batch.Length;
        ReadOnlySpan<float> words = _weights.Floats("embeddings/word");
        ReadOnlySpan<float> positions = _weights.Floats("embeddings/position");
        ReadOnlySpan<float> tokenType = _weights.Floats("embeddings/token_type")[..e]; // single sentences: type 0
        var hidden = new float[batch.Count * length * e];
        for (int n = 0; n < batch.Count; n++)
        {
            for (int t = 0; t < length; t++)
            {
                Span<float> row = hidden.AsSpan(((n * length) + t) * e, e);
                TensorPrimitives.Add(words.Slice(batch.Ids[(n * length) + t] * e, e), tokenType, row);
                TensorPrimitives.Add(row, positions.Slice(t * e, e), row);
            }
        }

        DenseOps.LayerNorm(hidden, e, _weights["embeddings/norm/scale"], _weights["embeddings/norm/bias"]);
        return hidden;
    }

    private float[] Layer(float[] hidden, TokenBatch batch, int layer)
    {
        string key = $"layer{layer}/";
        int rows = batch.Count * batch.Length;

        float[] attended = Attention(hidden, batch, layer);
        DenseOps.AddInPlace(attended, hidden);
        DenseOps.LayerNorm(attended, Width, _weights[key + "attention/norm/scale"], _weights[key + "attention/norm/bias"]);

        float[] up = DenseOps.Linear(attended, rows, _weights[key + "ffn/up"], _weights[key + "ffn/up_bias"]);
        DenseOps.Gelu(up, up.Length / rows);
        float[] down = DenseOps.Linear(up, rows, _weights[key + "ffn/down"], _weights[key + "ffn/down_bias"]);
        DenseOps.AddInPlace(down, attended);
        DenseOps.LayerNorm(down, Width, _weights[key + "ffn/norm/scale"], _weights[key + "ffn/norm/bias"]);
        return down;
    }

    private float[] Attention(float[] hidden, TokenBatch batch, int layer)
    {
        string key = $"layer{layer}/attention/";
        int n = batch.Count, l = batch.Length;
        var output = new float[hidden.Length];
        Ivy.MultiHeadAttention(
            IvyArray.From(hidden, n, l, Width),
            batchFirst: true,
            numHeads: Heads,
            qProjWeights: _weights[key + "q"],
            kProjWeights: _weights[key + "k"],
            vProjWeights: _weights[key + "v"],
            inProjBias: _weights[key + "in_bias"],
            outProjWeights: _weights[key + "out"],
            outProjBias: _weights[key + "out_bias"],
            keyPaddingMask: IvyArray.From(batch.Padding, n, l),
            @out: IvyArray.From(output, n, l, Width));
        return output;
    }
}
