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
    private Workspace? _spare;

    /// <summary>An encoder over <paramref name="weights"/> (see <see cref="WeightLoader"/> for the key chains).</summary>
    public BertEncoder(Container weights, int layers, int heads, Pooling pooling)
    {
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

    /// <summary>The feed-forward width (4E).</summary>
    private int Inner { get; }

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
        Workspace work = Take(batch);
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

    /// <summary>Every stage's output in layer 0, copied as the layer computes it: the tensors compared with ONNX Runtime's intermediates.</summary>
    internal Dictionary<Stage, float[]> FirstLayerStages(TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var work = new Workspace(batch.Count, batch.Length, Width, Inner);
        var stages = new Dictionary<Stage, float[]>();
        long lap = 0;
        Embed(batch, work);
        _layers[0].Forward(work, IvyArray.From(batch.Padding, batch.Count, batch.Length), null, ref lap, (stage, data) => stages[stage] = (float[])data.Clone());
        return stages;
    }

    private static LayerNorm Norm(Container weights, string keyChain)
    {
        Container v = weights[keyChain].AsContainer();
        return new LayerNorm(v.Array("weight").Shape, eps: NormEpsilon, v: v);
    }

    /// <summary>The spare buffers when they fit the batch's shape, else new ones.</summary>
    private Workspace Take(TokenBatch batch)
    {
        Workspace? spare = Interlocked.Exchange(ref _spare, null);
        return spare is not null && spare.Count == batch.Count && spare.Length == batch.Length
            ? spare
            : new Workspace(batch.Count, batch.Length, Width, Inner);
    }

    /// <summary>Token + position + token-type embeddings, then the embedding LayerNorm, into the workspace's hidden state.</summary>
    private void Embed(TokenBatch batch, Workspace work)
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
        public void Forward(Workspace work, IvyArray padding, StageTimes? times, ref long lap, Action<Stage, float[]>? capture = null)
        {
            Attention.Forward(work.Hidden, keyPaddingMask: padding, @out: work.Attended);
            Done(Stage.Attention, work.AttendedData, times, ref lap, capture);
            TensorPrimitives.Add(work.AttendedData, work.HiddenData, work.AttendedData);
            AttentionNorm.Forward(work.Attended, @out: work.Attended);
            Done(Stage.AttentionNorm, work.AttendedData, times, ref lap, capture);
            Up.Forward(work.Attended, @out: work.Up);
            Done(Stage.Up, work.UpData, times, ref lap, capture);
            Ivy.Gelu(work.Up, @out: work.Up);
            Done(Stage.Gelu, work.UpData, times, ref lap, capture);
            Down.Forward(work.Up, @out: work.Down);
            Done(Stage.Down, work.DownData, times, ref lap, capture);
            TensorPrimitives.Add(work.DownData, work.AttendedData, work.DownData);
            OutputNorm.Forward(work.Down, @out: work.Down);
            Done(Stage.Output, work.DownData, times, ref lap, capture);
            work.SwapHiddenAndDown();
        }

        private static void Done(Stage stage, float[] output, StageTimes? times, ref long lap, Action<Stage, float[]>? capture)
        {
            StageTimes.Lap(times, Label(stage), ref lap);
            capture?.Invoke(stage, output);
        }

        private static string Label(Stage stage) => stage switch
        {
            Stage.Attention => "attention (Layers.MultiHeadAttention)",
            Stage.AttentionNorm or Stage.Output => "residual + LayerNorm (Layers.LayerNorm)",
            Stage.Gelu => "GELU (Ivy.Gelu)",
            _ => "feed-forward (Layers.Linear)",
        };
    }

    /// <summary>A pass's intermediates, (N, L, E) or (N, L, 4E), as arrays and as the IvyArrays wrapping them.</summary>
    private sealed class Workspace
    {
        public Workspace(int count, int length, int width, int inner)
        {
            Count = count;
            Length = length;
            (HiddenData, Hidden) = Buffer(width);
            (AttendedData, Attended) = Buffer(width);
            (DownData, Down) = Buffer(width);
            (UpData, Up) = Buffer(inner);

            (float[], IvyArray) Buffer(int columns)
            {
                var data = new float[count * length * columns];
                return (data, IvyArray.From(data, count, length, columns));
            }
        }

        public int Count { get; }

        public int Length { get; }

        /// <summary>The layer's input; after <see cref="SwapHiddenAndDown"/>, its output.</summary>
        public float[] HiddenData { get; private set; }

        public IvyArray Hidden { get; private set; }

        public float[] AttendedData { get; }

        public IvyArray Attended { get; }

        public float[] UpData { get; }

        public IvyArray Up { get; }

        public float[] DownData { get; private set; }

        public IvyArray Down { get; private set; }

        public void SwapHiddenAndDown()
        {
            (HiddenData, DownData) = (DownData, HiddenData);
            (Hidden, Down) = (Down, Hidden);
        }
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
