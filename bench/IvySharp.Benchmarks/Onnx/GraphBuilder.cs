using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace IvySharp.Benchmarks.Onnx;

/// <summary>
/// Builds an ONNX <see cref="ModelProto"/> in code: inputs, constant initializers, nodes, outputs.
/// Serialized with <see cref="ToBytes"/> and loaded straight into an ONNX Runtime session.
/// </summary>
internal sealed class GraphBuilder
{
    /// <summary>The Microsoft contrib domain (<c>MultiHeadAttention</c>).</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private readonly GraphProto _graph = new() { Name = "bench" };
    private int _nextName;

    /// <summary>Adds a float32 graph input of a fixed shape.</summary>
    public string Input(string name, params long[] shape) => AddValue(_graph.Input, name, TensorProto.Types.DataType.Float, shape);

    /// <summary>Adds a graph input of another element type (masks).</summary>
    public string Input(string name, TensorProto.Types.DataType type, params long[] shape) => AddValue(_graph.Input, name, type, shape);

    /// <summary>Declares <paramref name="name"/> a float32 graph output of a fixed shape.</summary>
    public void Output(string name, params long[] shape) => AddValue(_graph.Output, name, TensorProto.Types.DataType.Float, shape);

    /// <summary>A float32 constant stored in the model.</summary>
    public string Constant(ReadOnlySpan<float> values, params long[] shape)
    {
        string name = Fresh("w");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(shape);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 constant (shapes, axes).</summary>
    public string Int64Constant(params long[] values)
    {
        string name = Fresh("i");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes<long>(values)) };
        tensor.Dims.Add(values.Length);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node with one output (named automatically unless given) and returns that output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string? output = null, string domain = "", params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, inputs, [output ?? Fresh(opType)], domain, attributes)[0];

    /// <summary>Adds a node with several outputs ("" for an unused optional one).</summary>
    public IReadOnlyList<string> NodeWithOutputs(string opType, IEnumerable<string> inputs, IReadOnlyList<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Domain = domain, Name = Fresh(opType + "_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>y = x · wᵀ + b with w given as (out, in): stored transposed, as MatMul wants (in, out).</summary>
    public string Linear(string x, float[] weights, float[]? bias, int outFeatures, int inFeatures, string? output = null)
    {
        string product = Node("MatMul", [x, Constant(Cases.CaseData.Transpose(weights, outFeatures, inFeatures), inFeatures, outFeatures)],
            bias is null ? output : null);
        return bias is null ? product : Node("Add", [product, Constant(bias, outFeatures)], output);
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A list-of-integers attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>The model: IR version 10, default opset 23 (ONNX <c>Attention</c>), contrib opset 1.</summary>
    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 10, ProducerName = "IvySharp.Benchmarks", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 23 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        return model.ToByteArray();
    }

    private static string AddValue(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> list, string name, TensorProto.Types.DataType type, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (long dim in shape) tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        list.Add(new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        });
        return name;
    }

    private string Fresh(string prefix) => $"{prefix}_{_nextName++}";
}
