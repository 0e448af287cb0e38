using IvySharp.Benchmarks.Cases;
using static TorchSharp.torch;

namespace IvySharp.Benchmarks.Peers;

/// <summary>
/// TorchSharp (libtorch CPU): either the <c>nn.MultiheadAttention</c> module (seq-first, its only layout)
/// or linear + <c>scaled_dot_product_attention</c> + linear on batch-first tensors. Inputs are copied
/// into libtorch tensors once; each timed call runs under inference mode and frees its temporaries.
/// </summary>
internal sealed class TorchPeer : IAttentionPeer
{
    private readonly List<IDisposable> _owned = [];
    private readonly Func<(Tensor Output, Tensor? Weights)> _call;
    private Tensor? _lastOutput, _lastWeights;

    public TorchPeer(CaseData data, PeerKind form)
    {
        Kind = form;
        using var setup = NewDisposeScope();
        using (no_grad())
        {
            _call = form == PeerKind.TorchModule ? ModuleCall(data) : SdpaCall(data);
        }

        // Everything made above (inputs, weights, the module) lives until Dispose.
        var made = setup.DisposablesView.ToList();
        setup.Detach(made);
        _owned.AddRange(made);
    }

    public PeerKind Kind { get; }

    public void Run()
    {
        _lastOutput?.Dispose();
        _lastWeights?.Dispose();
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        (Tensor output, Tensor? weights) = _call();
        _lastOutput = output.DetachFromDisposeScope();
        _lastWeights = weights?.DetachFromDisposeScope();
    }

    public float[] Output()
    {
        // The module answers seq-first (L, N, O); the report compares batch-first.
        using Tensor batchFirst = Kind == PeerKind.TorchModule ? _lastOutput!.transpose(0, 1).contiguous() : _lastOutput!.contiguous();
        return batchFirst.data<float>().ToArray();
    }

    public float[]? Weights() => _lastWeights?.contiguous().data<float>().ToArray();

    public void Dispose()
    {
        _lastOutput?.Dispose();
        _lastWeights?.Dispose();
        foreach (IDisposable owned in _owned) owned.Dispose();
    }

    private Func<(Tensor, Tensor?)> ModuleCall(CaseData data)
    {
        BenchCase c = data.Case;
        if (c.Projection == ProjectionKind.StaticKeyValue)
        {
            throw new PeerNotApplicableException("TorchSharp's nn.MultiheadAttention takes no static_k/static_v");
        }

        if (c.Projection == ProjectionKind.None)
        {
            throw new PeerNotApplicableException("nn.MultiheadAttention always projects; this case has no projections");
        }

        bool cross = c.Projection == ProjectionKind.SeparateCross;
        var module = nn.MultiheadAttention(c.E, c.H, kdim: cross ? c.KeyWidth : null, vdim: cross ? c.ValueWidth : null);
        module.eval();
        _owned.Add(module);
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        if (cross && !parameters.ContainsKey("q_proj_weight"))
        {
            // kdim = vdim = embed_dim: PyTorch keeps the three projections packed in in_proj_weight.
            parameters["in_proj_weight"].copy_(Matrix([.. data.QWeights!, .. data.KWeights!, .. data.VWeights!], 3 * c.E, c.QueryWidth));
        }
        else if (cross)
        {
            parameters["q_proj_weight"].copy_(Matrix(data.QWeights!, c.E, c.QueryWidth));
            parameters["k_proj_weight"].copy_(Matrix(data.KWeights!, c.E, c.KeyWidth));
            parameters["v_proj_weight"].copy_(Matrix(data.VWeights!, c.E, c.ValueWidth));
        }
        else
        {
            parameters["in_proj_weight"].copy_(Matrix(data.InProjWeights!, 3 * c.E, c.QueryWidth));
        }

        parameters["in_proj_bias"].copy_(tensor(data.InProjBias!));
        parameters["out_proj.weight"].copy_(Matrix(data.OutWeights!, c.O, c.E));
        parameters["out_proj.bias"].copy_(tensor(data.OutBias!));

        Tensor query = SeqFirst(data.Query, c.N, c.L, c.QueryWidth);
        Tensor key = cross ? SeqFirst(data.Key!, c.N, c.S, c.KeyWidth) : query;
        Tensor value = cross ? SeqFirst(data.Value!, c.N, c.S, c.ValueWidth) : query;
        Tensor? padding = data.Padding is null ? null : tensor(data.Padding, [c.N, c.S]);

        // The module has no is_causal: a float (L, S) mask with −∞ above the diagonal, as the issue says.
        Tensor? causal = c.Causal ? triu(full(c.L, c.S, float.NegativeInfinity), diagonal: 1) : null;
        bool needWeights = c.ReturnWeights;
        return () =>
        {
            var (output, weights) = module.call(query, key, value, padding, needWeights, causal);
            return (output, needWeights ? weights : null);
        };
    }

    private static Func<(Tensor, Tensor?)> SdpaCall(CaseData data)
    {
        BenchCase c = data.Case;
        if (c.ReturnWeights)
        {
            throw new PeerNotApplicableException("scaled_dot_product_attention returns no weights");
        }

        Tensor inBias = data.InProjBias is null ? empty(0) : tensor(data.InProjBias);
        Tensor Heads(Tensor x, long length) => x.view(c.N, length, c.H, c.D).transpose(1, 2);
        Func<(Tensor, Tensor, Tensor)> project;
        Tensor query = tensor(data.Query, [c.N, c.L, c.QueryWidth]);
        switch (c.Projection)
        {
            case ProjectionKind.PackedSelf:
                Tensor packed = Matrix(data.InProjWeights!, 3 * c.E, c.QueryWidth);
                project = () =>
                {
                    // One (N, L, 3E) product, split into strided per-head views without copying.
                    Tensor[] qkv = nn.functional.linear(query, packed, inBias).view(c.N, c.L, 3, c.H, c.D).permute(2, 0, 3, 1, 4).unbind(0);
                    return (qkv[0], qkv[1], qkv[2]);
                };
                break;
            case ProjectionKind.SeparateCross:
                Tensor key = tensor(data.Key!, [c.N, c.S, c.KeyWidth]), value = tensor(data.Value!, [c.N, c.S, c.ValueWidth]);
                Tensor wq = Matrix(data.QWeights!, c.E, c.QueryWidth), wk = Matrix(data.KWeights!, c.E, c.KeyWidth), wv = Matrix(data.VWeights!, c.E, c.ValueWidth);
                Tensor bq = inBias[..c.E], bk = inBias[c.E..(2 * c.E)], bv = inBias[(2 * c.E)..];
                project = () => (
                    Heads(nn.functional.linear(query, wq, bq), c.L),
                    Heads(nn.functional.linear(key, wk, bk), c.S),
                    Heads(nn.functional.linear(value, wv, bv), c.S));
                break;
            case ProjectionKind.StaticKeyValue:
                Tensor w = Matrix(data.InProjWeights!, 3 * c.E, c.QueryWidth)[..c.E], b = inBias[..c.E];
                Tensor staticK = tensor(data.StaticK!, [c.N, c.H, c.S, c.D]), staticV = tensor(data.StaticV!, [c.N, c.H, c.S, c.D]);
                project = () => (Heads(nn.functional.linear(query, w, b), c.L), staticK, staticV);
                break;
            default:
                project = () =>
                {
                    Tensor x = Heads(query, c.L);
                    return (x, x, x);
                };
                break;
        }

        // SDPA's bool mask means "take part" (true = attend): the inverse of a padding mask.
        Tensor? attend = data.Padding is null ? null : tensor(data.Padding.Select(p => !p).ToArray(), [c.N, 1, 1, c.S]);
        Tensor? outWeights = data.OutWeights is null ? null : Matrix(data.OutWeights, c.O, c.E);
        Tensor? outBias = data.OutBias is null ? null : tensor(data.OutBias);
        return () =>
        {
            (Tensor q, Tensor k, Tensor v) = project();
            Tensor attended = nn.functional.scaled_dot_product_attention(q, k, v, attend, 0, c.Causal)
                .transpose(1, 2).reshape(c.N, c.L, c.E);
            return (outWeights is null ? attended : nn.functional.linear(attended, outWeights, outBias), null);
        };
    }

    private static Tensor Matrix(float[] values, int rows, int columns) => tensor(values, [rows, columns]);

    private static Tensor SeqFirst(float[] values, int n, int length, int width) =>
        tensor(values, [n, length, width]).transpose(0, 1).contiguous();
}
