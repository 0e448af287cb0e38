using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;
using SentenceSimilarity.Reference;

namespace IvySharp.ModelTests.Support;

/// <summary>
/// One model loaded once per test run and shared by the test classes: its IvySharp encoder,
/// tokenizer, and ONNX Runtime on the original model and on a copy that also outputs layer 0's
/// intermediate tensors, one per stage of the encoder layer.
/// </summary>
internal sealed class LoadedModel
{
    private static readonly ConcurrentDictionary<string, Lazy<LoadedModel>> s_models = new();

    private LoadedModel(PretrainedModel model)
    {
        Model = model;
        byte[] onnx = model.ReadOnnxModel();
        var graph = new OnnxGraph(onnx);
        Graph = graph;
        Encoder = BertEncoder.Load(model, graph);
        PaddedEncoder = BertEncoder.Load(model, graph, skipPadding: false);
        Tokenizer = model.CreateTokenizer();
        Reference = new OrtEncoder(onnx, model.Pooling);
        FirstLayerNames = new Dictionary<Stage, string>
        {
            [Stage.Attention] = graph.OutputOfBiasAdd("encoder.layer.0.attention.output.dense.bias"),
            [Stage.AttentionNorm] = graph.OutputOfBiasAdd("encoder.layer.0.attention.output.LayerNorm.bias"),
            [Stage.Up] = graph.OutputOfBiasAdd("encoder.layer.0.intermediate.dense.bias"),
            [Stage.Down] = graph.OutputOfBiasAdd("encoder.layer.0.output.dense.bias"),
            [Stage.Output] = graph.OutputOfBiasAdd("encoder.layer.0.output.LayerNorm.bias"),
        };
        ReferenceWithFirstLayer = new OrtEncoder(graph.WithExtraOutputs([.. FirstLayerNames.Values]), model.Pooling);
    }

    /// <summary>The model.</summary>
    public PretrainedModel Model { get; }

    /// <summary>Its parsed ONNX graph.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The C# encoder on IvySharp layers, as the sample runs it (padding rows skipped after attention).</summary>
    public BertEncoder Encoder { get; }

    /// <summary>The same encoder computing every row, padding included, as the ONNX graph does.</summary>
    public BertEncoder PaddedEncoder { get; }

    /// <summary>One of the two encoders.</summary>
    public BertEncoder EncoderSkipping(bool skipPadding) => skipPadding ? Encoder : PaddedEncoder;

    /// <summary>The package's vocabulary.</summary>
    public BertTokenizer Tokenizer { get; }

    /// <summary>ONNX Runtime on the package's model as shipped.</summary>
    public OrtEncoder Reference { get; }

    /// <summary>ONNX Runtime on the model with layer 0's stage outputs (<see cref="FirstLayerNames"/>) added as graph outputs.</summary>
    public OrtEncoder ReferenceWithFirstLayer { get; }

    /// <summary>
    /// The graph's names for layer 0's stage outputs: each is the output of the <c>Add</c> of a bias (the
    /// attention's output projection, a LayerNorm's offset, a dense layer's bias). GELU has none of its own; the
    /// down projection, computed from it, covers it.
    /// </summary>
    public IReadOnlyDictionary<Stage, string> FirstLayerNames { get; }

    /// <summary>The model named <paramref name="name"/>, loaded on first use.</summary>
    public static LoadedModel Get(string name) =>
        s_models.GetOrAdd(name, n => new Lazy<LoadedModel>(() => new LoadedModel(PretrainedModel.Named(n)))).Value;

    /// <summary>Tokenises and pads <paramref name="sentences"/>.</summary>
    public TokenBatch Batch(params string[] sentences) => TokenBatch.Create(Tokenizer, sentences);
}
