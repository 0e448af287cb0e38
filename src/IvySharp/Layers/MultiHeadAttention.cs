using System.Globalization;
using IvySharp.Kernels;
using IvySharp.Kernels.Pipeline;
using IvySharp.Planning;

namespace IvySharp.Layers;

/// <summary>
/// Ivy's stateful <c>ivy.MultiHeadAttention</c> layer: it owns its projection variables (Ivy's names, in a
/// <see cref="Container"/>) and computes <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/>
/// with them, batch-first. A forward gives the same bits as that function called with the same variables.
/// </summary>
/// <remarks>
/// <para>Dimensions as Ivy: inner = numHeads · headDim when both are given, else embedDim; embedDim defaults to
/// inner; keyDim and valueDim default to embedDim; headDim = embedDim / numHeads; scale defaults to headDim^−½.</para>
/// <para>Variables: <c>out_proj_weights</c> (embed, inner); when keyDim = valueDim = embedDim one packed
/// <c>in_proj_weights</c> (3·inner, embed), else <c>q_proj_weights</c> (inner, embed), <c>k_proj_weights</c>
/// (inner, keyDim), <c>v_proj_weights</c> (inner, valueDim); with <c>useProjBias</c>, <c>in_proj_bias</c>
/// (3·inner) and <c>out_proj_bias</c> (embed). Created as GlorotUniform weights and zero biases (seeded when a
/// seed is given); entries of a given <c>v</c> (a pretrained model's, say) replace the created ones.</para>
/// <para>The projections are packed for the GEMM once, when the layer is built or <see cref="V"/> is set, and
/// reused by every forward (no per-call packing; the bits are those of the function, which packs per call). So
/// replace variables through <see cref="V"/>: writing into the arrays' memory does not reach the packed copy.</para>
/// </remarks>
public sealed partial class MultiHeadAttention
{
    // Variables and their packed projections are replaced together, as one reference: a forward running
    // while V is set sees the old pair or the new one, never a mix.
    private State _state;

    /// <summary>Builds the layer; the arguments are Ivy's (<c>ivy.MultiHeadAttention.__init__</c>).</summary>
    /// <param name="embedDim">Width of the query and of the output; defaults to numHeads · headDim.</param>
    /// <param name="keyDim">Width of a key row; defaults to <paramref name="embedDim"/>.</param>
    /// <param name="valueDim">Width of a value row; defaults to <paramref name="embedDim"/>.</param>
    /// <param name="numHeads">Heads (≥ 1).</param>
    /// <param name="headDim">Width of a head; defaults to embedDim / numHeads.</param>
    /// <param name="dropoutRate">Probability in [0, 1] of dropping an attention weight while <see cref="Training"/>.</param>
    /// <param name="useProjBias">Give the projections biases.</param>
    /// <param name="scale">Multiplier of q·kᵀ; defaults to headDim^−½.</param>
    /// <param name="dtype">The variables' dtype (float16, float32 or float64); inputs must have it.</param>
    /// <param name="training">Start in training mode (dropout applies).</param>
    /// <param name="v">Variables to use instead of created ones (Ivy's names; entries may be a subset).</param>
    /// <param name="seed">IvySharp extra: seeds the variables' initialisation; null draws from a shared source.</param>
    /// <exception cref="ArgumentException">A dimension is missing, non-positive or inconsistent, or <paramref name="v"/> has an unknown name, shape or dtype; <see cref="ArgumentException.ParamName"/> names the argument.</exception>
    public MultiHeadAttention(
        int? embedDim = null, int? keyDim = null, int? valueDim = null, int numHeads = 8, int? headDim = null,
        double dropoutRate = 0.0, bool useProjBias = true, double? scale = null, DType dtype = DType.Float32,
        bool training = true, Container? v = null, int? seed = null)
    {
        if (numHeads < 1) throw new ArgumentException($"numHeads must be at least 1; got {numHeads}.", nameof(numHeads));
        if (headDim is < 1) throw new ArgumentException($"headDim must be at least 1; got {headDim}.", nameof(headDim));
        if (embedDim is null && headDim is null) throw new ArgumentException("Give embedDim, or numHeads and headDim.", nameof(embedDim));
        InnerDim = headDim is { } hd ? checked(numHeads * hd) : embedDim!.Value;
        EmbedDim = embedDim ?? InnerDim;
        if (EmbedDim < 1) throw new ArgumentException($"embedDim must be at least 1; got {EmbedDim}.", nameof(embedDim));
        if (InnerDim % numHeads != 0)
        {
            throw new ArgumentException($"embedDim ({InnerDim}) must be divisible by numHeads ({numHeads}) when headDim is not given.", nameof(numHeads));
        }

        KeyDim = keyDim ?? EmbedDim;
        ValueDim = valueDim ?? EmbedDim;
        if (KeyDim < 1) throw new ArgumentException($"keyDim must be at least 1; got {KeyDim}.", nameof(keyDim));
        if (ValueDim < 1) throw new ArgumentException($"valueDim must be at least 1; got {ValueDim}.", nameof(valueDim));
        if (!(dropoutRate is >= 0 and <= 1)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"dropoutRate must be in [0, 1]; got {dropoutRate}."), nameof(dropoutRate));
        if (scale is { } s && !double.IsFinite(s)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"scale must be finite; got {s}."), nameof(scale));
        if (dtype is not (DType.Float16 or DType.Float32 or DType.Float64)) throw new ArgumentException($"dtype must be floating; got {dtype}.", nameof(dtype));

        NumHeads = numHeads;
        HeadDim = InnerDim / numHeads;
        DropoutRate = dropoutRate;
        UseProjBias = useProjBias;
        Scale = scale ?? 1.0 / Math.Sqrt(HeadDim);
        DType = dtype;
        Training = training;
        _state = Prepare(BuildVariables(v, GlorotUniform.Source(seed), nameof(v)));
    }

    /// <summary>Width of the query and of the output.</summary>
    public int EmbedDim { get; }

    /// <summary>Width of a key row.</summary>
    public int KeyDim { get; }

    /// <summary>Width of a value row.</summary>
    public int ValueDim { get; }

    /// <summary>Heads.</summary>
    public int NumHeads { get; }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>numHeads · headDim: the width q, k and v are projected to.</summary>
    public int InnerDim { get; }

    /// <summary>The attention-weight dropout probability applied while <see cref="Training"/>.</summary>
    public double DropoutRate { get; }

    /// <summary>True when the projections have biases.</summary>
    public bool UseProjBias { get; }

    /// <summary>The multiplier of q·kᵀ.</summary>
    public double Scale { get; }

    /// <summary>The variables' dtype.</summary>
    public DType DType { get; }

    /// <summary>Dropout applies only in training mode (Ivy's <c>train()</c> / <c>eval()</c>).</summary>
    public bool Training { get; set; }

    /// <summary>
    /// The variables under Ivy's names (a copy of the layer's table: changing the returned container does not
    /// change the layer). Setting checks every entry (names, shapes, dtype) before anything changes; entries
    /// the given container lacks keep their current values.
    /// </summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    /// <exception cref="ArgumentException">An unknown name, a wrong shape or dtype (ParamName <c>value</c>).</exception>
    public Container V
    {
        get => Copy(_state.Variables);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Container merged = Copy(_state.Variables);
            foreach (KeyValuePair<string, ContainerValue> entry in value) merged[entry.Key] = entry.Value;
            _state = Prepare(BuildVariables(merged, Random.Shared, nameof(value)));
        }
    }

    /// <summary>
    /// The forward pass, as Ivy's <c>_forward</c>: <c>Ivy.MultiHeadAttention</c> with this layer's heads, scale,
    /// variables and dropout, batch-first; the key and value default to the query (self-attention).
    /// </summary>
    /// <param name="query">(N, L, embedDim), or (L, embedDim) unbatched, of the layer's dtype.</param>
    /// <param name="key">(N, S, keyDim); null for self-attention (with <paramref name="value"/>).</param>
    /// <param name="value">(N, S, valueDim).</param>
    /// <param name="attentionMask">(L, S) or (N·H, L, S), bool (true = masked out) or floating (added).</param>
    /// <param name="isCausal">Query i sees key j only when j ≤ i.</param>
    /// <param name="returnAttentionWeights">Also return the weights.</param>
    /// <param name="averageAttentionWeights">Weights averaged over heads when true, per head when false.</param>
    /// <param name="keyPaddingMask">IvySharp extra (Ivy's layer does not pass one): (N, S), bool (true = padding) or floating.</param>
    /// <param name="out">Receives the output.</param>
    /// <param name="seed">The dropout seed (null draws one).</param>
    /// <param name="attentionWeightsOut">
    /// IvySharp extra: receives the weights, which the result then returns, instead of a new array each call. The
    /// weights' shape exactly ((N, L, S′) averaged, (N, H, L, S′) per head; without N unbatched), any floating dtype
    /// (converted; a float16 call's weights are rounded to float16 first, as for <paramref name="out"/>), a host array; needs <paramref name="returnAttentionWeights"/>. A dense array of the call's dtype
    /// that shares no memory with the inputs or <paramref name="out"/> is written in place; otherwise the weights are
    /// written into it last, after every input has been read (so it may alias them, as <paramref name="out"/> may).
    /// Reusing one array across calls saves the first touch of fresh memory, which for weights of several MB is a
    /// large part of the call on some machines.
    /// </param>
    /// <returns>The output (N, L, embedDim), and the weights when asked for.</returns>
    /// <exception cref="ArgumentException">As <c>Ivy.MultiHeadAttention</c>: a shape or dtype that does not fit the layer, named;
    /// for <paramref name="attentionWeightsOut"/>: no weights asked for, a shape other than the weights', a non-floating dtype, a
    /// device array or call, or a view with overlapping elements. Nothing is written when it is thrown.</exception>
    public MultiHeadAttentionResult Forward(
        IvyArray query, IvyArray? key = null, IvyArray? value = null, IvyArray? attentionMask = null,
        bool isCausal = false, bool returnAttentionWeights = false, bool averageAttentionWeights = true,
        IvyArray? keyPaddingMask = null, IvyArray? @out = null, int? seed = null, IvyArray? attentionWeightsOut = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        State state = _state;
        key ??= query;
        value ??= key;
        return Ivy.Attend(new AttentionArguments<IvyArray>(
            Query: query, Key: key, Value: value, BatchFirst: true, NumHeads: NumHeads, Scale: Scale,
            AttentionMask: attentionMask, InProjWeights: state.Prepared.InProjWeights, QProjWeights: state.Prepared.Parts[0],
            KProjWeights: state.Prepared.Parts[1], VProjWeights: state.Prepared.Parts[2],
            OutProjWeights: state.Prepared.OutProjWeights, InProjBias: state.Prepared.InProjBias, OutProjBias: state.Prepared.OutProjBias,
            IsCausal: isCausal, KeyPaddingMask: keyPaddingMask, BiasK: null, BiasV: null, StaticK: null, StaticV: null,
            AddZeroAttn: false, ReturnAttentionWeights: returnAttentionWeights, AverageAttentionWeights: averageAttentionWeights,
            Dropout: DropoutRate, Training: Training, Out: @out, Seed: seed), state.Prepared, attentionWeightsOut);
    }

    /// <summary>
    /// The variables and their projections packed for the GEMM, here, once: for the kernel variant calls use now
    /// (other variants, pinned in tests, are packed on their first call and kept).
    /// </summary>
    private State Prepare(Container variables)
    {
        IvyArray? Get(string name) => variables.TryGetValue(name, out ContainerValue value) ? value.AsArray() : null;
        var prepared = new PreparedWeights(
            PackedInProjection ? ProjectionRoute.Packed : ProjectionRoute.Separate,
            Get(InProjWeightsName), Get(QProjWeightsName), Get(KProjWeightsName), Get(VProjWeightsName),
            Get(InProjBiasName), Get(OutProjWeightsName), Get(OutProjBiasName));
        // Packed panels are for the CPU GEMM: variables on a device are computed by their device's backend.
        bool onCpu = variables.All(entry => entry.Value.AsArray().Storage is not DeviceStorage);
        if (onCpu && DType == DType.Float64) prepared.For<double>(KernelSelector.Current);
        else if (onCpu) prepared.For<float>(KernelSelector.Current);
        return new State(variables, prepared);
    }

    private sealed record State(Container Variables, PreparedWeights Prepared);

    private static Container Copy(Container source)
    {
        var copy = new Container();
        foreach (KeyValuePair<string, ContainerValue> entry in source) copy.Add(entry.Key, entry.Value);
        return copy;
    }
}
