using IvySharp.Kernels;
using IvySharp.Planning;

namespace IvySharp;

/// <summary>Ivy's functional API (<c>ivy.*</c>) for .NET.</summary>
public static partial class Ivy
{
    /// <summary>
    /// Multi-head attention, as Ivy's <c>ivy.multi_head_attention</c> (contract:
    /// <c>docs/contract.md</c>, sections 1–11). Computes, per sample n and head h,
    /// <c>softmax(scale · q·kᵀ + masks) · v</c> over the S′ key columns, concatenates the heads
    /// and applies the output projection.
    /// </summary>
    /// <param name="query">(L, Q) unbatched, (N, L, Q) batch-first, or (L, N, Q).</param>
    /// <param name="key">Laid out like <paramref name="query"/> with S rows and K features; null together with <paramref name="value"/> for self-attention.</param>
    /// <param name="value">Laid out like <paramref name="key"/> with V features.</param>
    /// <param name="batchFirst">Batched inputs are (N, L, ·) when true, (L, N, ·) when false. No effect on unbatched input.</param>
    /// <param name="numHeads">H ≥ 1, dividing E.</param>
    /// <param name="scale">Finite multiplier of q·kᵀ (0 gives uniform attention); null means 1/√d.</param>
    /// <param name="attentionMask">(L, S) or (N·H, L, S); bool (true = masked out, −∞) or floating (added). Ignored when <paramref name="isCausal"/>.</param>
    /// <param name="inProjWeights">Packed (3E, Q): rows [0, E) project the query, [E, 2E) the key, [2E, 3E) the value.</param>
    /// <param name="qProjWeights">(E, Q), with <paramref name="kProjWeights"/> and <paramref name="vProjWeights"/>.</param>
    /// <param name="kProjWeights">(E, K).</param>
    /// <param name="vProjWeights">(E, V).</param>
    /// <param name="outProjWeights">(O, E); null means no output projection (O = E).</param>
    /// <param name="inProjBias">(3E,), split in three like the weights.</param>
    /// <param name="outProjBias">(O,); needs <paramref name="outProjWeights"/>.</param>
    /// <param name="isCausal">Query i sees key j only when j ≤ i (top-left aligned); bias and zero columns stay visible.</param>
    /// <param name="keyPaddingMask">(S,) unbatched or (N, S); bool (true = padding) or floating (added).</param>
    /// <param name="biasK">(E,) or (1, 1, E): a key token appended after the last key; needs <paramref name="biasV"/>.</param>
    /// <param name="biasV">(E,) or (1, 1, E): the matching value token.</param>
    /// <param name="staticK">(N·H, S_static, d): replaces the projected, head-split keys.</param>
    /// <param name="staticV">(N·H, S_static, d): replaces the projected, head-split values.</param>
    /// <param name="addZeroAttn">Appends a key and value column of zeros after the bias token.</param>
    /// <param name="returnAttentionWeights">Also return the attention weights.</param>
    /// <param name="averageAttentionWeights">Weights averaged over heads (N, L, S′) when true, per head (N, H, L, S′) when false.</param>
    /// <param name="dropout">Probability in [0, 1] of zeroing a weight while <paramref name="training"/>; survivors are scaled by 1/(1 − p).</param>
    /// <param name="training">Dropout applies only when true.</param>
    /// <param name="out">Receives the output (any floating dtype, converted); may alias the inputs. Returned as the output.</param>
    /// <param name="seed">IvySharp extra: the dropout seed. The same seed gives bit-identical results whatever the thread count; null draws one.</param>
    /// <returns>The output, and the weights when <paramref name="returnAttentionWeights"/> is true.</returns>
    /// <remarks>
    /// <para>Dtypes: float32 and float64 are computed in their own precision; float16 with float32 accumulation, returned as float16. Every floating input has the query's dtype; masks are bool or any floating dtype.</para>
    /// <para>A row whose every key column is masked gets weights 0 and attention output 0 (then the output bias). NaN and ±∞ in inputs or float masks propagate as IEEE arithmetic does; empty dimensions give empty results.</para>
    /// <para>No input is modified. Every check runs before any write: after an exception, <paramref name="out"/> is unchanged.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="ArgumentException">Any shape, dtype or argument combination the contract calls an error (§10); <see cref="ArgumentException.ParamName"/> names the argument and the message gives expected and given shapes or dtypes.</exception>
    public static MultiHeadAttentionResult MultiHeadAttention(
        IvyArray query,
        IvyArray? key = null,
        IvyArray? value = null,
        bool batchFirst = true,
        int numHeads = 8,
        double? scale = null,
        IvyArray? attentionMask = null,
        IvyArray? inProjWeights = null,
        IvyArray? qProjWeights = null,
        IvyArray? kProjWeights = null,
        IvyArray? vProjWeights = null,
        IvyArray? outProjWeights = null,
        IvyArray? inProjBias = null,
        IvyArray? outProjBias = null,
        bool isCausal = false,
        IvyArray? keyPaddingMask = null,
        IvyArray? biasK = null,
        IvyArray? biasV = null,
        IvyArray? staticK = null,
        IvyArray? staticV = null,
        bool addZeroAttn = false,
        bool returnAttentionWeights = false,
        bool averageAttentionWeights = true,
        double dropout = 0.0,
        bool training = false,
        IvyArray? @out = null,
        int? seed = null)
    {
        return Attend(new AttentionArguments<IvyArray>(
            Query: query, Key: key, Value: value, BatchFirst: batchFirst, NumHeads: numHeads, Scale: scale,
            AttentionMask: attentionMask, InProjWeights: inProjWeights, QProjWeights: qProjWeights,
            KProjWeights: kProjWeights, VProjWeights: vProjWeights, OutProjWeights: outProjWeights,
            InProjBias: inProjBias, OutProjBias: outProjBias, IsCausal: isCausal, KeyPaddingMask: keyPaddingMask,
            BiasK: biasK, BiasV: biasV, StaticK: staticK, StaticV: staticV, AddZeroAttn: addZeroAttn,
            ReturnAttentionWeights: returnAttentionWeights, AverageAttentionWeights: averageAttentionWeights,
            Dropout: dropout, Training: training, Out: @out, Seed: seed));
    }

    /// <summary>
    /// The array facades' one body: validates the call (every check before any write), resolves the backend
    /// once — where the arrays live: the CPU variant selected now, or their device's backend — then computes it.
    /// Takes the argument record each facade filled, so no facade forwards the parameter list to another.
    /// </summary>
    /// <param name="arguments">The call.</param>
    /// <param name="prepared">A layer's projection weights packed beforehand (the same arrays as in <paramref name="arguments"/>), or null.</param>
    /// <param name="weightsOut">A layer caller's array for the weights (validated here, before anything is written), or null.</param>
    internal static MultiHeadAttentionResult Attend(in AttentionArguments<IvyArray> arguments, Kernels.Pipeline.PreparedWeights? prepared = null, IvyArray? weightsOut = null)
    {
        AttentionPlan plan = AttentionValidator.Validate(arguments);
        if (weightsOut is not null) AttentionValidator.ValidateWeightsOut(plan, weightsOut);
        return AttentionEngine.Run(plan, Kernels.Backends.BackendResolver.For(plan, Kernels.Backends.CpuBackend.Current), prepared, weightsOut);
    }
}
