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
    private readonly Container _weights;
    private readonly int _layers;

    /// <summary>An encoder over <paramref name="weights"/> (see <see cref="WeightLoader"/> for the key chains).</summary>
    public BertEncoder(Container weights, int layers, int heads, Pooling pooling)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _weights = weights;
        _layers = layers;
        Heads = heads;
        Pooling = pooling;
        Width = weights.Array("embeddings/word").Shape[1];
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
        Container weights = WeightLoader.Load(graph);
        // Both models have 32-wide heads (hidden 384 / 12); the graphs reshape to that head width.
        const int headWidth = 32;
        return new BertEncoder(weights, graph.LayerCount, weights.Array("embeddings/word").Shape[1] / headWidth, model.Pooling);
    }

    /// <summary>The L2-normalised sentence embeddings, (N, E) row-major.</summary>
    /// <param name="batch">The padded token batch.</param>
    /// <param name="times">When given, receives the time of each stage (for the sample's breakdown).</param>
    public float[] Encode(TokenBatch batch, StageTimes? times = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        times ??= new StageTimes();
        float[] hidden = times.Measure("embeddings", () => Embed(batch));
        for (int layer = 0; layer < _layers; layer++) hidden = Layer(hidden, batch, layer, times);
        return times.Measure("pooling", () => SentencePooling.Pool(batch, hidden, Pooling));
    }

    /// <summary>
    /// The output of layer 0's attention block (after the output projection and its bias, before the
    /// residual), (N, L, E): the tensor compared with ONNX Runtime's own.
    /// </summary>
    public float[] FirstAttention(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Attention(Embed(batch), batch, _weights["layer0/attention"].AsContainer());
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

        DenseOps.LayerNorm(hidden, e, _weights.Array("embeddings/norm/scale"), _weights.Array("embeddings/norm/bias"));
        return hidden;
    }

    private float[] Layer(float[] hidden, TokenBatch batch, int layer, StageTimes times)
    {
        Container w = _weights[$"layer{layer}"].AsContainer();
        int rows = batch.Count * batch.Length;

        float[] attended = times.Measure("attention (Ivy.MultiHeadAttention)", () => Attention(hidden, batch, w["attention"].AsContainer()));
        times.Measure("residual + LayerNorm", () =>
        {
            DenseOps.AddInPlace(attended, hidden);
            DenseOps.LayerNorm(attended, Width, w.Array("attention/norm/scale"), w.Array("attention/norm/bias"));
        });

        float[] up = times.Measure("feed-forward dense layers", () => DenseOps.Linear(attended, rows, w.Array("ffn/up"), w.Array("ffn/up_bias")));
        times.Measure("GELU", () => DenseOps.Gelu(up, up.Length / rows));
        float[] down = times.Measure("feed-forward dense layers", () => DenseOps.Linear(up, rows, w.Array("ffn/down"), w.Array("ffn/down_bias")));
        times.Measure("residual + LayerNorm", () =>
        {
            DenseOps.AddInPlace(down, attended);
            DenseOps.LayerNorm(down, Width, w.Array("ffn/norm/scale"), w.Array("ffn/norm/bias"));
        });
        return down;
    }

    /// <param name="hidden">(N, L, E) input of the layer.</param>
    /// <param name="batch">The batch, for its shape and padding.</param>
    /// <param name="w">The layer's <c>attention</c> sub-container.</param>
    private float[] Attention(float[] hidden, TokenBatch batch, Container w)
    {
        int n = batch.Count, l = batch.Length;
        var output = new float[hidden.Length];
        Ivy.MultiHeadAttention(
            IvyArray.From(hidden, n, l, Width),
            batchFirst: true,
            numHeads: Heads,
            qProjWeights: w.Array("q"),
            kProjWeights: w.Array("k"),
            vProjWeights: w.Array("v"),
            inProjBias: w.Array("in_bias"),
            outProjWeights: w.Array("out"),
            outProjBias: w.Array("out_bias"),
            keyPaddingMask: IvyArray.From(batch.Padding, n, l),
            @out: IvyArray.From(output, n, l, Width));
        return output;
    }
}
