using IvySharp.Planning;

namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>
    /// Multi-head attention with this array as the query: Ivy's <c>ivy.Array.multi_head_attention</c>.
    /// Same as <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/> with <c>batchFirst: true</c> (Ivy's instance method has no
    /// <c>batch_first</c>); every parameter, shape rule and exception is documented there.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/>.</exception>
    public MultiHeadAttentionResult MultiHeadAttention(
        IvyArray? key = null,
        IvyArray? value = null,
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
        int? seed = null) =>
        Ivy.Attend(new AttentionArguments<IvyArray>(
            Query: this, Key: key, Value: value, BatchFirst: true, NumHeads: numHeads, Scale: scale,
            AttentionMask: attentionMask, InProjWeights: inProjWeights, QProjWeights: qProjWeights,
            KProjWeights: kProjWeights, VProjWeights: vProjWeights, OutProjWeights: outProjWeights,
            InProjBias: inProjBias, OutProjBias: outProjBias, IsCausal: isCausal, KeyPaddingMask: keyPaddingMask,
            BiasK: biasK, BiasV: biasV, StaticK: staticK, StaticV: staticV, AddZeroAttn: addZeroAttn,
            ReturnAttentionWeights: returnAttentionWeights, AverageAttentionWeights: averageAttentionWeights,
            Dropout: dropout, Training: training, Out: @out, Seed: seed));
}
