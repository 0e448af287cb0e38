using IvySharp.Benchmarks.Cases;
using AttentionLayer = IvySharp.Layers.MultiHeadAttention;

namespace IvySharp.Benchmarks.Peers;

/// <summary>
/// IvySharp's stateful layer (<c>IvySharp.Layers.MultiHeadAttention</c>) built once from the case's weights, in
/// evaluation mode, then called like the facade: batch-first, writing into a reused <c>@out</c> and, when the case
/// returns weights, a reused <c>attentionWeightsOut</c> (as ORT's peer writes into buffers allocated once). Its projections
/// are packed when it is built, so a timed call packs nothing. BERT-style separate q/k/v weights of equal widths
/// become the layer's packed in-projection (Ivy's layout for keyDim = valueDim = embedDim).
/// </summary>
internal sealed class IvyLayerPeer : IAttentionPeer
{
    private readonly BenchCase _case;
    private readonly AttentionLayer _layer;
    private readonly IvyArray _query;
    private readonly IvyArray? _key, _value, _padding;
    private readonly float[] _output;
    private readonly IvyArray _out;
    private readonly IvyArray? _weightsOut;
    private IvyArray? _weights;

    public IvyLayerPeer(CaseData data)
    {
        BenchCase c = _case = data.Case;
        if (c.Projection is not (ProjectionKind.PackedSelf or ProjectionKind.SeparateCross))
        {
            throw new PeerNotApplicableException("the layer always projects its inputs and takes no static_k/static_v");
        }

        if (c.QueryWidth != c.E) throw new PeerNotApplicableException("the layer's query width is its embedding width");
        bool packed = c.KeyWidth == c.E && c.ValueWidth == c.E;
        var v = new Container
        {
            { "out_proj_weights", IvyArray.From(data.OutWeights!, c.E, c.E) },
            { "in_proj_bias", IvyArray.From(data.InProjBias ?? new float[3 * c.E], 3 * c.E) },
            { "out_proj_bias", IvyArray.From(data.OutBias ?? new float[c.E], c.E) },
        };
        if (packed)
        {
            v.Add("in_proj_weights", IvyArray.From(data.InProjWeights ?? [.. data.QWeights!, .. data.KWeights!, .. data.VWeights!], 3 * c.E, c.E));
        }
        else
        {
            v.Add("q_proj_weights", IvyArray.From(data.QWeights!, c.E, c.QueryWidth));
            v.Add("k_proj_weights", IvyArray.From(data.KWeights!, c.E, c.KeyWidth));
            v.Add("v_proj_weights", IvyArray.From(data.VWeights!, c.E, c.ValueWidth));
        }

        _layer = new AttentionLayer(c.E, keyDim: c.KeyWidth, valueDim: c.ValueWidth, numHeads: c.H, training: false, v: v);
        _query = IvyArray.From(data.Query, c.N, c.L, c.QueryWidth);
        _key = data.Key is null ? null : IvyArray.From(data.Key, c.N, c.S, c.KeyWidth);
        _value = data.Value is null ? null : IvyArray.From(data.Value, c.N, c.S, c.ValueWidth);
        _padding = data.Padding is null ? null : IvyArray.From(data.Padding, c.N, c.S);
        _output = new float[c.N * c.L * c.O];
        _out = IvyArray.From(_output, c.N, c.L, c.O);
        _weightsOut = c.ReturnWeights ? IvyArray.From(new float[c.N * c.L * c.S], c.N, c.L, c.S) : null;
    }

    public PeerKind Kind => PeerKind.IvySharpLayer;

    public void Run()
    {
        MultiHeadAttentionResult result = _layer.Forward(
            _query, _key, _value, isCausal: _case.Causal, returnAttentionWeights: _case.ReturnWeights,
            averageAttentionWeights: true, keyPaddingMask: _padding, @out: _out, attentionWeightsOut: _weightsOut);
        _weights = result.Weights;
    }

    public float[] Output() => (float[])_output.Clone();

    public float[]? Weights() => _weights?.ToArray<float>();

    public void Dispose()
    {
    }
}
