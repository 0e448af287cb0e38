using System.Collections.Concurrent;
using Microsoft.ML.Tokenizers;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;
using SentenceSimilarity.Reference;

namespace IvySharp.ModelTests.Support;

/// <summary>
/// One model loaded once per test run and shared by the test classes: its IvySharp encoder,
/// tokenizer, and ONNX Runtime on the original model and on a copy that also outputs layer 0's
/// attention block (after the output projection's bias, before the residual).
/// </summary>
public sealed class LoadedModel
{
    private static readonly ConcurrentDictionary<string, Lazy<LoadedModel>> s_models = new();

    private LoadedModel(PretrainedModel model)
    {
        Model = model;
        byte[] onnx = model.ReadOnnxModel();
        var graph = new OnnxGraph(onnx);
        Graph = graph;
        Encoder = BertEncoder.Load(model, graph);
        Tokenizer = model.CreateTokenizer();
        Reference = new OrtEncoder(onnx, model.Pooling);
        FirstAttentionName = graph.OutputOfBiasAdd("encoder.layer.0.attention.output.dense.bias");
        ReferenceWithFirstAttention = new OrtEncoder(graph.WithExtraOutputs(FirstAttentionName), model.Pooling);
    }

    /// <summary>The model.</summary>
    public PretrainedModel Model { get; }

    /// <summary>Its parsed ONNX graph.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The C# encoder on IvySharp attention.</summary>
    public BertEncoder Encoder { get; }

    /// <summary>The package's vocabulary.</summary>
    public BertTokenizer Tokenizer { get; }

    /// <summary>ONNX Runtime on the package's model as shipped.</summary>
    public OrtEncoder Reference { get; }

    /// <summary>ONNX Runtime on the model with layer 0's attention output added as a graph output.</summary>
    public OrtEncoder ReferenceWithFirstAttention { get; }

    /// <summary>The graph's name for layer 0's attention output.</summary>
    public string FirstAttentionName { get; }

    /// <summary>The model named <paramref name="name"/>, loaded on first use.</summary>
    public static LoadedModel Get(string name) =>
        s_models.GetOrAdd(name, n => new Lazy<LoadedModel>(() => new LoadedModel(PretrainedModel.Named(n)))).Value;

    /// <summary>Tokenises and pads <paramref name="sentences"/>.</summary>
    public TokenBatch Batch(params string[] sentences) => TokenBatch.Create(Tokenizer, sentences);
}
