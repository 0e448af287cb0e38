using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Peers;
using Onnx;

namespace IvySharp.Benchmarks.Onnx;

/// <summary>
/// The ONNX graph of one case: MatMul+Add projections, an attention node, MatMul+Add out-projection.
/// Weights are initializers (constants), as a deployed model has them; activations, static K/V and
/// masks are inputs.
/// </summary>
internal static class AttentionGraphs
{
    /// <summary>Graph input and output names.</summary>
    public const string Query = "query", Key = "key", Value = "value", StaticK = "static_k", StaticV = "static_v",
        Mask = "key_mask", Output = "output", Weights = "weights";

    /// <summary>The model bytes for <paramref name="form"/> (an ORT peer kind).</summary>
    /// <exception cref="PeerNotApplicableException">The form cannot express the case.</exception>
    public static byte[] Build(CaseData data, PeerKind form)
    {
        BenchCase c = data.Case;
        if (form == PeerKind.OrtContribMha && c.ReturnWeights)
        {
            throw new PeerNotApplicableException("com.microsoft.MultiHeadAttention has no attention-probabilities output");
        }

        var g = new GraphBuilder();
        string query = g.Input(Query, c.N, c.L, c.QueryWidth);
        (string q, string k, string v) = Project(g, data, query);
        string? mask = c.KeyPadding
            ? form == PeerKind.OrtContribMha
                ? g.Input(Mask, TensorProto.Types.DataType.Int32, c.N, c.S)
                : g.Input(Mask, TensorProto.Types.DataType.Bool, c.N, 1, c.L, c.S)
            : null;

        string attended = form == PeerKind.OrtContribMha
            ? ContribMha(g, c, q, k, v, mask)
            : Attention23(g, c, q, k, v, mask);

        if (c.Projection == ProjectionKind.None)
        {
            g.Node("Identity", [attended], Output);
        }
        else
        {
            g.Linear(attended, data.OutWeights!, data.OutBias, c.O, c.E, Output);
        }

        g.Output(Output, c.N, c.L, c.O);
        if (c.ReturnWeights) g.Output(Weights, c.N, c.L, c.S);
        return g.ToBytes();
    }

    private static (string Q, string K, string V) Project(GraphBuilder g, CaseData data, string query)
    {
        BenchCase c = data.Case;
        float[]? bias = data.InProjBias;
        float[]? Slice(int part) => bias is null ? null : bias.AsSpan(part * c.E, c.E).ToArray();
        float[] Packed(int part) => CaseData.Rows(data.InProjWeights!, part * c.E, c.E, c.QueryWidth);

        switch (c.Projection)
        {
            case ProjectionKind.PackedSelf:
                return (g.Linear(query, Packed(0), Slice(0), c.E, c.QueryWidth),
                        g.Linear(query, Packed(1), Slice(1), c.E, c.QueryWidth),
                        g.Linear(query, Packed(2), Slice(2), c.E, c.QueryWidth));
            case ProjectionKind.SeparateCross:
                string key = g.Input(Key, c.N, c.S, c.KeyWidth), value = g.Input(Value, c.N, c.S, c.ValueWidth);
                return (g.Linear(query, data.QWeights!, Slice(0), c.E, c.QueryWidth),
                        g.Linear(key, data.KWeights!, Slice(1), c.E, c.KeyWidth),
                        g.Linear(value, data.VWeights!, Slice(2), c.E, c.ValueWidth));
            case ProjectionKind.StaticKeyValue:
                // IvySharp's (N·H, S, d) static K/V is the same memory as ORT's (N, H, S, d) per-head layout.
                return (g.Linear(query, Packed(0), Slice(0), c.E, c.QueryWidth),
                        g.Input(StaticK, c.N, c.H, c.S, c.D),
                        g.Input(StaticV, c.N, c.H, c.S, c.D));
            default:
                return (query, query, query);
        }
    }

    // com.microsoft.MultiHeadAttention: 3D (N, L, E) query; key/value 3D, or 4D (N, H, S, d) for cached ones;
    // key_padding_mask (input 4) int32 (N, S), 1 = attend; unidirectional = causal.
    private static string ContribMha(GraphBuilder g, BenchCase c, string q, string k, string v, string? mask)
    {
        var attributes = new List<AttributeProto> { GraphBuilder.Int("num_heads", c.H) };
        if (c.Causal) attributes.Add(GraphBuilder.Int("unidirectional", 1));
        string[] inputs = mask is null ? [q, k, v] : [q, k, v, "", mask];
        return g.Node("MultiHeadAttention", inputs, domain: GraphBuilder.MicrosoftDomain, attributes: [.. attributes]);
    }

    // ONNX Attention-23: Q, K, V all 3D (heads from q_num_heads/kv_num_heads) or all 4D (N, H, ·, d);
    // attn_mask bool, true = attend, (N, 1, L, S) (ORT's CPU kernel broadcasts over heads but not over
    // query rows); output 3 gives the per-head softmax
    // (qk_matmul_output_mode 3), averaged over heads here to match the others' averaged weights.
    private static string Attention23(GraphBuilder g, BenchCase c, string q, string k, string v, string? mask)
    {
        bool fourD = c.Projection == ProjectionKind.StaticKeyValue;
        var attributes = new List<AttributeProto>();
        if (c.Causal) attributes.Add(GraphBuilder.Int("is_causal", 1));
        if (!fourD)
        {
            attributes.Add(GraphBuilder.Int("q_num_heads", c.H));
            attributes.Add(GraphBuilder.Int("kv_num_heads", c.H));
        }
        else
        {
            q = g.Node("Transpose", [g.Node("Reshape", [q, g.Int64Constant(c.N, c.L, c.H, c.D)])], attributes: GraphBuilder.Ints("perm", 0, 2, 1, 3));
        }

        string[] inputs = mask is null ? [q, k, v] : [q, k, v, mask];
        string y;
        if (c.ReturnWeights)
        {
            attributes.Add(GraphBuilder.Int("qk_matmul_output_mode", 3));
            IReadOnlyList<string> outputs = g.NodeWithOutputs("Attention", inputs, ["attention_y", "", "", "probabilities"], attributes: [.. attributes]);
            g.Node("ReduceMean", [outputs[3], g.Int64Constant(1)], Weights, attributes: GraphBuilder.Int("keepdims", 0));
            y = outputs[0];
        }
        else
        {
            y = g.Node("Attention", inputs, attributes: [.. attributes]);
        }

        return fourD
            ? g.Node("Reshape", [g.Node("Transpose", [y], attributes: GraphBuilder.Ints("perm", 0, 2, 1, 3)), g.Int64Constant(c.N, c.L, c.E)])
            : y;
    }
}
