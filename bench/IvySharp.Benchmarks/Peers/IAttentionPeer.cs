namespace IvySharp.Benchmarks.Peers;

/// <summary>The implementations compared, one attention form each.</summary>
public enum PeerKind
{
    /// <summary><c>Ivy.MultiHeadAttention</c>.</summary>
    IvySharp,

    /// <summary><c>IvySharp.Layers.MultiHeadAttention</c>: the same call through the stateful layer, weights packed when it was built.</summary>
    IvySharpLayer,

    /// <summary>ONNX Runtime: MatMul+Add projections around <c>com.microsoft.MultiHeadAttention</c>.</summary>
    OrtContribMha,

    /// <summary>ONNX Runtime: MatMul+Add projections around ONNX <c>Attention</c> (opset 23).</summary>
    OrtAttention23,

    /// <summary>TorchSharp <c>nn.MultiheadAttention</c> (seq-first).</summary>
    TorchModule,

    /// <summary>TorchSharp linear + <c>scaled_dot_product_attention</c> + linear.</summary>
    TorchSdpa,
}

/// <summary>Something timed: one call of <see cref="Run"/> is one operation.</summary>
internal interface ITimedCall
{
    /// <summary>One call, the thing timed. Results stay inside the object until read.</summary>
    void Run();
}

/// <summary>One peer prepared for one case: inputs converted and sessions built, ready to be timed.</summary>
internal interface IAttentionPeer : ITimedCall, IDisposable
{
    /// <summary>Which implementation and form this is.</summary>
    PeerKind Kind { get; }

    /// <summary>The last call's output, batch-first (N, L, O). Reading it is not timed.</summary>
    float[] Output();

    /// <summary>The last call's head-averaged weights (N, L, S), when the case returns weights.</summary>
    float[]? Weights();
}

/// <summary>Display names and report order.</summary>
internal static class PeerNames
{
    public static IReadOnlyList<PeerKind> All { get; } = Enum.GetValues<PeerKind>();

    public static string Of(PeerKind kind) => kind switch
    {
        PeerKind.IvySharp => "IvySharp",
        PeerKind.IvySharpLayer => "IvySharp layer (Layers.MultiHeadAttention)",
        PeerKind.OrtContribMha => "ORT MultiHeadAttention (com.microsoft)",
        PeerKind.OrtAttention23 => "ORT Attention (opset 23)",
        PeerKind.TorchModule => "TorchSharp nn.MultiheadAttention",
        PeerKind.TorchSdpa => "TorchSharp linear+SDPA+linear",
        _ => kind.ToString(),
    };

    public static string Short(PeerKind kind) => kind switch
    {
        PeerKind.IvySharp => "IvySharp",
        PeerKind.IvySharpLayer => "Ivy-layer",
        PeerKind.OrtContribMha => "ORT-MHA",
        PeerKind.OrtAttention23 => "ORT-Attn23",
        PeerKind.TorchModule => "Torch-MHA",
        PeerKind.TorchSdpa => "Torch-SDPA",
        _ => kind.ToString(),
    };
}

/// <summary>Thrown when a peer cannot express a case (the report shows the reason instead of a time).</summary>
internal sealed class PeerNotApplicableException(string reason) : Exception(reason);
