using IvySharp.Benchmarks.Onnx;
using IvySharp.Benchmarks.Peers;
using Microsoft.ML.OnnxRuntime;

namespace IvySharp.Benchmarks.Reference;

/// <summary>
/// The same-run GEMM reference: ONNX Runtime's MatMul of two M×K and K×N float32 matrices
/// (the second a constant, as projection weights are), at the bench's thread count.
/// </summary>
internal sealed class GemmPeak : ITimedCall, IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input, _output;

    public GemmPeak(int size, int threads)
    {
        Size = size;
        var random = new Random(3);
        float[] a = Enumerable.Range(0, size * size).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, size * size).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var g = new GraphBuilder();
        string x = g.Input("a", size, size);
        g.Node("MatMul", [x, g.Constant(b, size, size)], "c");
        g.Output("c", size, size);
        using SessionOptions options = OrtPeer.Options(threads);
        _session = new InferenceSession(g.ToBytes(), options);
        _input = OrtValue.CreateTensorValueFromMemory(a, [size, size]);
        _output = OrtValue.CreateTensorValueFromMemory(new float[size * size], [size, size]);
    }

    /// <summary>M = N = K.</summary>
    public int Size { get; }

    /// <summary>2·M·N·K.</summary>
    public double Flops => 2.0 * Size * Size * Size;

    public void Run() => _session.Run(_runOptions, ["a"], [_input], ["c"], [_output]);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
