using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace SentenceSimilarity.Model;

/// <summary>
/// The parsed ONNX graph of a BERT encoder exported from PyTorch, with the look-ups the weight
/// loader needs. The exporters name biases and LayerNorm parameters after the PyTorch module
/// (<c>encoder.layer.0.attention.self.query.bias</c>) but give the dense matrices anonymous names
/// (<c>928</c>, <c>onnx::MatMul_788</c>), so a matrix is found by following the graph from its bias:
/// the <c>Add</c> that adds the bias takes the output of the <c>MatMul</c> that holds the matrix.
/// </summary>
public sealed class OnnxGraph
{
    private readonly ModelProto _model;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, NodeProto> _producers = [];

    /// <summary>Parses an ONNX model.</summary>
    public OnnxGraph(byte[] model)
    {
        _model = ModelProto.Parser.ParseFrom(model);
        _initializers = _model.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (NodeProto node in _model.Graph.Node)
        {
            foreach (string output in node.Output) _producers[output] = node;
        }
    }

    /// <summary>The number of encoder layers (those with a <c>encoder.layer.{i}.attention.self.query.bias</c>).</summary>
    public int LayerCount => _initializers.Keys.Count(name => name.StartsWith("encoder.layer.", StringComparison.Ordinal) && name.EndsWith(".attention.self.query.bias", StringComparison.Ordinal));

    /// <summary>The named initializer's dimensions.</summary>
    public int[] Dimensions(string name) => Initializer(name).Dims.Select(d => checked((int)d)).ToArray();

    /// <summary>The named float initializer's elements, row-major.</summary>
    public float[] Floats(string name) => FloatsOf(Initializer(name));

    /// <summary>
    /// The matrix multiplied in just before <paramref name="biasName"/> is added (y = x·W + b), as ONNX
    /// stores it: (in, out), the transpose of PyTorch's (out, in).
    /// </summary>
    /// <returns>The elements and the (in, out) dimensions.</returns>
    /// <exception cref="InvalidOperationException">The graph does not have the Add(bias, MatMul(x, W)) shape.</exception>
    public (float[] Values, int In, int Out) MatrixBefore(string biasName)
    {
        NodeProto add = BiasAdd(biasName);
        string product = add.Input.Single(input => input != biasName);
        if (!_producers.TryGetValue(product, out NodeProto? matMul) || matMul.OpType != "MatMul")
        {
            throw new InvalidOperationException($"The input added to '{biasName}' is not a MatMul output.");
        }

        string weightName = matMul.Input.FirstOrDefault(_initializers.ContainsKey)
            ?? throw new InvalidOperationException($"The MatMul before '{biasName}' has no constant operand.");
        int[] dims = Dimensions(weightName);
        if (dims.Length != 2) throw new InvalidOperationException($"'{weightName}' is not a matrix.");
        return (Floats(weightName), dims[0], dims[1]);
    }

    /// <summary>The name of the tensor computed by the <c>Add</c> that adds <paramref name="biasName"/>.</summary>
    public string OutputOfBiasAdd(string biasName) => BiasAdd(biasName).Output[0];

    /// <summary>
    /// The model with <paramref name="tensorNames"/> added as float graph outputs, serialised, so that
    /// ONNX Runtime computes and returns those intermediate tensors too. This graph is not changed.
    /// </summary>
    public byte[] WithExtraOutputs(params string[] tensorNames)
    {
        ModelProto copy = _model.Clone();
        foreach (string name in tensorNames)
        {
            if (!_producers.ContainsKey(name)) throw new ArgumentException($"No node computes '{name}'.", nameof(tensorNames));
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return copy.ToByteArray();
    }

    private NodeProto BiasAdd(string biasName) =>
        _model.Graph.Node.SingleOrDefault(n => n.OpType == "Add" && n.Input.Contains(biasName))
        ?? throw new InvalidOperationException($"No single Add node adds '{biasName}'.");

    private TensorProto Initializer(string name) =>
        _initializers.TryGetValue(name, out TensorProto? tensor) ? tensor
            : throw new KeyNotFoundException($"The model has no initializer '{name}'.");

    private static float[] FloatsOf(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidOperationException($"'{tensor.Name}' is not float32 (data type {tensor.DataType}).");
        }

        // Exporters store weights as little-endian raw bytes; small ones may use the repeated field.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Reading ONNX raw data needs a little-endian machine.");
        return tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : [.. tensor.FloatData];
    }
}
