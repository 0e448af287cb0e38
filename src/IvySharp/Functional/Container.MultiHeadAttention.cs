using IvySharp.Containers;
using IvySharp.Planning;

namespace IvySharp;

public sealed partial class Container
{
    /// <summary>
    /// Multi-head attention with this container as the query, once per leaf: Ivy's
    /// <c>ivy.Container.multi_head_attention</c>. Same as the nestable
    /// <see cref="Ivy.MultiHeadAttention(Nestable, Nestable?, Nestable?, bool, int, double?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, bool, bool, double, bool, Nestable?, int?, IReadOnlyList{string}?, bool, bool, bool)"/>
    /// with <c>batchFirst: true</c> (Ivy's instance method has no <c>batch_first</c>); every parameter, rule and
    /// exception is documented there. Any other argument may be an array (used for every leaf) or a container.
    /// </summary>
    /// <example>
    /// <code>
    /// var (outputs, weights) = queries.MultiHeadAttention(numHeads: 2, outProjWeights: wo, returnAttentionWeights: true);
    /// Container some = queries.MultiHeadAttention(numHeads: 2, keyChains: ["encoder"], pruneUnapplied: true);
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">As the nestable <c>Ivy.MultiHeadAttention</c>.</exception>
    public ContainerAttentionResult MultiHeadAttention(
        Nestable? key = null,
        Nestable? value = null,
        int numHeads = 8,
        double? scale = null,
        Nestable? attentionMask = null,
        Nestable? inProjWeights = null,
        Nestable? qProjWeights = null,
        Nestable? kProjWeights = null,
        Nestable? vProjWeights = null,
        Nestable? outProjWeights = null,
        Nestable? inProjBias = null,
        Nestable? outProjBias = null,
        bool isCausal = false,
        Nestable? keyPaddingMask = null,
        Nestable? biasK = null,
        Nestable? biasV = null,
        Nestable? staticK = null,
        Nestable? staticV = null,
        bool addZeroAttn = false,
        bool returnAttentionWeights = false,
        bool averageAttentionWeights = true,
        double dropout = 0.0,
        bool training = false,
        Nestable? @out = null,
        int? seed = null,
        IReadOnlyList<string>? keyChains = null,
        bool toApply = true,
        bool pruneUnapplied = false,
        bool mapSequences = false) =>
        NestedAttention.Run(
            new AttentionArguments<Nestable>(
                Query: this, Key: key, Value: value, BatchFirst: true, NumHeads: numHeads, Scale: scale,
                AttentionMask: attentionMask, InProjWeights: inProjWeights, QProjWeights: qProjWeights,
                KProjWeights: kProjWeights, VProjWeights: vProjWeights, OutProjWeights: outProjWeights,
                InProjBias: inProjBias, OutProjBias: outProjBias, IsCausal: isCausal, KeyPaddingMask: keyPaddingMask,
                BiasK: biasK, BiasV: biasV, StaticK: staticK, StaticV: staticV, AddZeroAttn: addZeroAttn,
                ReturnAttentionWeights: returnAttentionWeights, AverageAttentionWeights: averageAttentionWeights,
                Dropout: dropout, Training: training, Out: @out, Seed: seed),
            new MapOptions(keyChains, toApply, pruneUnapplied, mapSequences));
}
