using IvySharp.Benchmarks.Cases;

namespace IvySharp.Benchmarks.Peers;

/// <summary>IvySharp through its public facade, batch-first, writing into a reused <c>@out</c> array.</summary>
internal sealed class IvyPeer : IAttentionPeer
{
    private readonly BenchCase _case;
    private readonly IvyArray _query;
    private readonly IvyArray? _key, _value, _inProj, _qProj, _kProj, _vProj, _inBias, _outProj, _outBias, _staticK, _staticV, _padding;
    private readonly float[] _output;
    private readonly IvyArray _out;
    private IvyArray? _weights;

    public IvyPeer(CaseData data)
    {
        BenchCase c = _case = data.Case;
        _query = IvyArray.From(data.Query, c.N, c.L, c.QueryWidth);
        _key = Wrap(data.Key, c.N, c.S, c.KeyWidth);
        _value = Wrap(data.Value, c.N, c.S, c.ValueWidth);
        _inProj = Wrap(data.InProjWeights, 3 * c.E, c.QueryWidth);
        _qProj = Wrap(data.QWeights, c.E, c.QueryWidth);
        _kProj = Wrap(data.KWeights, c.E, c.KeyWidth);
        _vProj = Wrap(data.VWeights, c.E, c.ValueWidth);
        _inBias = Wrap(data.InProjBias, 3 * c.E);
        _outProj = Wrap(data.OutWeights, c.O, c.E);
        _outBias = Wrap(data.OutBias, c.O);
        _staticK = Wrap(data.StaticK, c.N * c.H, c.S, c.D);
        _staticV = Wrap(data.StaticV, c.N * c.H, c.S, c.D);
        _padding = data.Padding is null ? null : IvyArray.From(data.Padding, c.N, c.S);
        _output = new float[c.N * c.L * c.O];
        _out = IvyArray.From(_output, c.N, c.L, c.O);
    }

    public PeerKind Kind => PeerKind.IvySharp;

    public void Run()
    {
        MultiHeadAttentionResult result = Ivy.MultiHeadAttention(
            _query, _key, _value,
            batchFirst: true,
            numHeads: _case.H,
            inProjWeights: _inProj,
            qProjWeights: _qProj,
            kProjWeights: _kProj,
            vProjWeights: _vProj,
            outProjWeights: _outProj,
            inProjBias: _inBias,
            outProjBias: _outBias,
            isCausal: _case.Causal,
            keyPaddingMask: _padding,
            staticK: _staticK,
            staticV: _staticV,
            returnAttentionWeights: _case.ReturnWeights,
            averageAttentionWeights: true,
            @out: _out);
        _weights = result.Weights;
    }

    public float[] Output() => (float[])_output.Clone();

    public float[]? Weights() => _weights?.ToArray<float>();

    public void Dispose()
    {
    }

    private static IvyArray? Wrap(float[]? data, params int[] shape) => data is null ? null : IvyArray.From(data, shape);
}
