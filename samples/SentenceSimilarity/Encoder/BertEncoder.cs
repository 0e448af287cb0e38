using System.Diagnostics;
using System.Numerics.Tensors;
using IvySharp;
using IvySharp.Layers;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>
/// A BERT sentence encoder built from IvySharp layers: embeddings (word + position + token type) and a
/// <see cref="LayerNorm"/>; per layer a <see cref="MultiHeadAttention"/> (self-attention with the packed (3E, E)
/// in-projection, so q, k and v come from one GEMM; output projection; the batch's padding as key padding
/// mask), residual + <see cref="LayerNorm"/>, <see cref="Linear"/> → <c>Ivy.Gelu</c> (exact erf form) →
/// <see cref="Linear"/>, residual + <see cref="LayerNorm"/>; then the model's pooling and L2 normalisation.
/// </summary>
/// <remarks>
/// <para>
/// Padding rows are skipped where nothing reads them (<see cref="SkipPadding"/>, on by default): attention needs the
/// padded (N, L, E) batch, but everything after it in a layer (residual, LayerNorm, the feed-forward Linears and
/// GELU) works row by row, and a padding row's output only ever reaches a masked key or the padding row itself, never
/// a real token or the pooled embedding. So those stages run on the real tokens' rows packed together (T × E, T the
/// total token count) and write back only those rows, as BERT ports with "remove padding" do; the padding rows keep
/// the embedding layer's finite values. Every real token's row is computed with the same products in the same order
/// either way (the library's row results do not depend on the other rows), so the embeddings are the same bits.
/// </para>
/// The layers pack their weights once, here. A pass writes every intermediate into buffers kept for the next pass
/// of the same batch shape (each layer's <c>@out</c>), so repeated passes allocate only the result and a few small
/// descriptors. Thread-safe: concurrent passes each get their own buffers.
/// </remarks>
public sealed class BertEncoder
{
    /// <summary>The exported graphs' LayerNorm epsilon (BERT's layer_norm_eps).</summary>
    private const double NormEpsilon = 1e-12;

    private readonly float[] _words;
    private readonly float[] _positions;
    private readonly float[] _tokenType;
    private readonly LayerNorm _embeddingNorm;
    private readonly EncoderLayer[] _layers;
    private EncoderWorkspace? _spare;

    /// <summary>An encoder over <paramref name="weights"/> (see <see cref="WeightLoader"/> for the key chains).</summary>
    /// <param name="weights">The weights, under the key chains <see cref="WeightLoader"/> writes.</param>
    /// <param name="layers">How many encoder layers.</param>
    /// <param name="heads">Attention heads per layer.</param>
    /// <param name="pooling">How hidden states become a sentence vector.</param>
    /// <param name="skipPadding">Run the row-wise stages on the real tokens' rows only (see the remarks); false computes every row, as the ONNX graph does.</param>
    public BertEncoder(Container weights, int layers, int heads, Pooling pooling, bool skipPadding = true)
    {
        SkipPadding = skipPadding;
        ArgumentNullException.ThrowIfNull(weights);
        Width = weights.Array("embeddings/word").Shape[1];
        Heads = heads;
        Pooling = pooling;
        _words = weights.Floats("embeddings/word").ToArray();
        _positions = weights.Floats("embeddings/position").ToArray();
        _tokenType = weights.Floats("embeddings/token_type")[..Width].ToArray(); // single sentences: type 0
        _embeddingNorm = Norm(weights, "embeddings/norm");
        _layers = new EncoderLayer[layers];
        for (int i = 0; i < layers; i++)
        {
            Container w = weights[$"layer{i}"].AsContainer();
            Container up = w["ffn_up"].AsContainer(), down = w["ffn_down"].AsContainer();
            _layers[i] = new EncoderLayer(
                new MultiHeadAttention(
                    embedDim: Width, numHeads: heads, dropoutRate: 0, useProjBias: true, training: false,
                    v: w["attention"].AsContainer(), seed: 0),
                Norm(w, "attention_norm"),
                new Linear(up.Array("w").Shape[1], up.Array("w").Shape[0], v: up),
                new Linear(down.Array("w").Shape[1], down.Array("w").Shape[0], v: down),
                Norm(w, "ffn_norm"));
        }

        Inner = _layers.Length > 0 ? _layers[0].Up.OutputChannels : Width;
    }

    /// <summary>E, the hidden width (384 for both sample models).</summary>
    public int Width { get; }

    /// <summary>The attention heads per layer.</summary>
    public int Heads { get; }

    /// <summary>How hidden states become a sentence vector.</summary>
    public Pooling Pooling { get; }

    /// <summary>Whether the stages after attention run on the real tokens' rows only (see the remarks).</summary>
    public bool SkipPadding { get; }

    /// <summary>The feed-forward width (4E).</summary>
    private int Inner { get; }

    /// <summary>Loads <paramref name="model"/>'s weights from its ONNX graph.</summary>
    /// <param name="model">Which model (its pooling).</param>
    /// <param name="graph">The model's ONNX graph, holding the weights.</param>
    /// <param name="skipPadding">See <see cref="SkipPadding"/>.</param>
    public static BertEncoder Load(PretrainedModel model, OnnxGraph graph, bool skipPadding = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(graph);
        Container weights = WeightLoader.Load(graph);
        // Both models have 32-wide heads (hidden 384 / 12); the graphs reshape to that head width.
        const int headWidth = 32;
        return new BertEncoder(weights, graph.LayerCount, weights.Array("embeddings/word").Shape[1] / headWidth, model.Pooling, skipPadding);
    }

    /// <summary>The L2-normalised sentence embeddings, (N, E) row-major.</summary>
    /// <param name="batch">The padded token batch.</param>
    /// <param name="times">When given, receives the time of each stage (for the sample's breakdown).</param>
    public float[] Encode(TokenBatch batch, StageTimes? times = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        EncoderWorkspace work = Take(batch);
        try
        {
            long lap = Stopwatch.GetTimestamp();
            Embed(batch, work);
            StageTimes.Lap(times, "embeddings (lookup + LayerNorm)", ref lap);
            IvyArray padding = IvyArray.From(batch.Padding, batch.Count, batch.Length);
            foreach (EncoderLayer layer in _layers) layer.Forward(work, padding, times, ref lap);
            float[] embeddings = SentencePooling.Pool(batch, work.HiddenData, Pooling);
            StageTimes.Lap(times, "pooling", ref lap);
            return embeddings;
        }
        finally
        {
            _spare = work;
        }
    }

    /// <summary>
    /// The output of layer 0's attention block (after the output projection and its bias, before the
    /// residual), (N, L, E): the tensor compared with ONNX Runtime's own.
    /// </summary>
    public float[] FirstAttention(TokenBatch batch) => FirstLayerStages(batch)[Stage.Attention];

    /// <summary>
    /// Every stage's output in layer 0, copied as the layer computes it and laid out (N, L, ·): the tensors compared
    /// with ONNX Runtime's intermediates. With <see cref="SkipPadding"/>, the stages after attention hold zeros in
    /// the padding rows, which they do not compute.
    /// </summary>
    internal Dictionary<Stage, float[]> FirstLayerStages(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var work = new EncoderWorkspace(batch, SkipPadding, Width, Inner);
        var stages = new Dictionary<Stage, float[]>();
        long lap = 0;
        Embed(batch, work);
        _layers[0].Forward(work, IvyArray.From(batch.Padding, batch.Count, batch.Length), null, ref lap, (stage, data) => stages[stage] = stage == Stage.Attention ? (float[])data.Clone() : data);
        return stages;
    }

    private static LayerNorm Norm(Container weights, string keyChain)
    {
        Container v = weights[keyChain].AsContainer();
        return new LayerNorm(v.Array("weight").Shape, eps: NormEpsilon, v: v);
    }

    /// <summary>The spare buffers when they fit the batch's shape, else new ones.</summary>
    private EncoderWorkspace Take(TokenBatch batch)
    {
        EncoderWorkspace? spare = Interlocked.Exchange(ref _spare, null);
        return spare is not null && spare.Fits(batch) ? spare : new EncoderWorkspace(batch, SkipPadding, Width, Inner);
    }

    /// <summary>Token + position + token-type embeddings, then the embedding LayerNorm, into the workspace's hidden state.</summary>
    private void Embed(TokenBatch batch, EncoderWorkspace work)
    {
        int e = Width, length = batch.Length;
        float[] hidden = work.HiddenData;
        for (int n = 0; n < batch.Count; n++)
        {
            for (int t = 0; t < length; t++)
            {
                Span<float> row = hidden.AsSpan(((n * length) + t) * e, e);
                TensorPrimitives.Add(_words.AsSpan(batch.Ids[(n * length) + t] * e, e), _tokenType, row);
                TensorPrimitives.Add(row, _positions.AsSpan(t * e, e), row);
            }
        }

        _embeddingNorm.Forward(work.Hidden, @out: work.Hidden);
    }

    /// <summary>One encoder layer's IvySharp layers.</summary>
    private sealed record EncoderLayer(MultiHeadAttention Attention, LayerNorm AttentionNorm, Linear Up, Linear Down, LayerNorm OutputNorm)
    {
        /// <summary>The layer on the workspace's hidden state, which it replaces with its output.</summary>
        /// <param name="work">The pass's buffers.</param>
        /// <param name="padding">The key padding mask, (N, L).</param>
        /// <param name="times">Receives each stage's time, when given.</param>
        /// <param name="lap">The stage clock (see <see cref="StageTimes.Lap"/>).</param>
        /// <param name="capture">Sees each stage's output as soon as it is computed (the buffer itself: copy to keep), when given.</param>
        public void Forward(EncoderWorkspace work, IvyArray padding, StageTimes? times, ref long lap, Action<Stage, float[]>? capture = null)
        {
            Attention.Forward(work.Hidden, keyPaddingMask: padding, @out: work.Attended);
            Done(Stage.Attention, work.AttendedData, work, times, ref lap, capture);
            work.AddResidualIntoRows();
            AttentionNorm.Forward(work.Rows, @out: work.Rows);
            Done(Stage.AttentionNorm, work.RowsData, work, times, ref lap, capture);
            Up.Forward(work.Rows, @out: work.Up);
            Done(Stage.Up, work.UpData, work, times, ref lap, capture);
            Ivy.Gelu(work.Up, @out: work.Up);
            Done(Stage.Gelu, work.UpData, work, times, ref lap, capture);
            Down.Forward(work.Up, @out: work.Down);
            Done(Stage.Down, work.DownData, work, times, ref lap, capture);
            TensorPrimitives.Add(work.DownData, work.RowsData, work.DownData);
            OutputNorm.Forward(work.Down, @out: work.Down);
            Done(Stage.Output, work.DownData, work, times, ref lap, capture);
            work.MakeDownTheHiddenState();
        }

        private static void Done(Stage stage, float[] output, EncoderWorkspace work, StageTimes? times, ref long lap, Action<Stage, float[]>? capture)
        {
            StageTimes.Lap(times, Label(stage), ref lap);
            capture?.Invoke(stage, stage == Stage.Attention ? output : work.Padded(output));
        }

        private static string Label(Stage stage) => stage switch
        {
            Stage.Attention => "attention (Layers.MultiHeadAttention)",
            Stage.AttentionNorm or Stage.Output => "residual + LayerNorm (Layers.LayerNorm)",
            Stage.Gelu => "GELU (Ivy.Gelu)",
            _ => "feed-forward (Layers.Linear)",
        };
    }
}

/// <summary>The stages of an encoder layer, in order.</summary>
internal enum Stage
{
    /// <summary>Self-attention, output projection and its bias included.</summary>
    Attention,

    /// <summary>Residual + the LayerNorm after attention.</summary>
    AttentionNorm,

    /// <summary>The first feed-forward Linear (E → 4E), before GELU.</summary>
    Up,

    /// <summary>GELU of <see cref="Up"/>.</summary>
    Gelu,

    /// <summary>The second feed-forward Linear (4E → E), before the residual.</summary>
    Down,

    /// <summary>Residual + the last LayerNorm: the layer's output.</summary>
    Output,
}
