using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace IvySharp.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime (CPU execution provider) running a graph built in code for the case. Inputs and outputs
/// are bound to pinned managed arrays once, so a timed call is one <c>Run</c> with no copies in or out.
/// </summary>
internal sealed class OrtPeer : IAttentionPeer
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames, _outputNames;
    private readonly OrtValue[] _inputs, _outputs;
    private readonly float[] _output;
    private readonly float[]? _weights;

    public OrtPeer(CaseData data, PeerKind form, int threads)
    {
        Kind = form;
        BenchCase c = data.Case;
        byte[] model = AttentionGraphs.Build(data, form);
        using var options = Options(threads);
        _session = new InferenceSession(model, options);

        var inputs = new List<(string, OrtValue)> { (AttentionGraphs.Query, OrtValue.CreateTensorValueFromMemory(data.Query, [c.N, c.L, c.QueryWidth])) };
        if (data.Key is not null) inputs.Add((AttentionGraphs.Key, OrtValue.CreateTensorValueFromMemory(data.Key, [c.N, c.S, c.KeyWidth])));
        if (data.Value is not null) inputs.Add((AttentionGraphs.Value, OrtValue.CreateTensorValueFromMemory(data.Value, [c.N, c.S, c.ValueWidth])));
        if (data.StaticK is not null) inputs.Add((AttentionGraphs.StaticK, OrtValue.CreateTensorValueFromMemory(data.StaticK, [c.N, c.H, c.S, c.D])));
        if (data.StaticV is not null) inputs.Add((AttentionGraphs.StaticV, OrtValue.CreateTensorValueFromMemory(data.StaticV, [c.N, c.H, c.S, c.D])));
        if (data.Padding is not null) inputs.Add((AttentionGraphs.Mask, MaskValue(data.Padding, c, form)));
        _inputNames = inputs.Select(i => i.Item1).ToArray();
        _inputs = inputs.Select(i => i.Item2).ToArray();

        _output = new float[c.N * c.L * c.O];
        var outputs = new List<(string, OrtValue)> { (AttentionGraphs.Output, OrtValue.CreateTensorValueFromMemory(_output, [c.N, c.L, c.O])) };
        if (c.ReturnWeights)
        {
            _weights = new float[c.N * c.L * c.S];
            outputs.Add((AttentionGraphs.Weights, OrtValue.CreateTensorValueFromMemory(_weights, [c.N, c.L, c.S])));
        }

        _outputNames = outputs.Select(o => o.Item1).ToArray();
        _outputs = outputs.Select(o => o.Item2).ToArray();
    }

    public PeerKind Kind { get; }

    /// <summary>The session options every ORT graph here uses: <paramref name="threads"/> intra-op, 1 inter-op, all optimisations.</summary>
    public static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public float[] Output() => (float[])_output.Clone();

    public float[]? Weights() => (float[]?)_weights?.Clone();

    public void Dispose()
    {
        foreach (OrtValue value in _inputs) value.Dispose();
        foreach (OrtValue value in _outputs) value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    // Padding as each operator wants it: contrib MHA int32 (N, S) with 1 = attend; Attention-23 bool
    // (N, 1, L, S) with true = attend (IvySharp's mask says true = padding: inverted here).
    private static OrtValue MaskValue(bool[] padding, BenchCase c, PeerKind form)
    {
        if (form == PeerKind.OrtContribMha)
        {
            int[] keep = padding.Select(p => p ? 0 : 1).ToArray();
            return OrtValue.CreateTensorValueFromMemory(keep, [c.N, c.S]);
        }

        var attend = new bool[c.N * c.L * c.S];
        for (int n = 0; n < c.N; n++)
        {
            for (int i = 0; i < c.L; i++)
            {
                for (int s = 0; s < c.S; s++) attend[(((n * c.L) + i) * c.S) + s] = !padding[(n * c.S) + s];
            }
        }

        return OrtValue.CreateTensorValueFromMemory(attend, [c.N, 1, c.L, c.S]);
    }
}
