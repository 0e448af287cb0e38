using IvySharp.Containers;
using IvySharp.Planning;

namespace IvySharp;

public static partial class Ivy
{
    /// <summary>
    /// Nestable multi-head attention (contract §12): any array argument may be a <see cref="Container"/>, and the
    /// attention runs once per leaf. Container arguments share one key structure; where one holds an array and
    /// another a sub-container at the same key, the array is used for every leaf below it; non-container
    /// arguments (and every scalar, the seed included) go unchanged to every leaf call. Each leaf call follows
    /// <see cref="MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/>,
    /// which documents every attention parameter.
    /// </summary>
    /// <param name="query">An array or a container of queries; each leaf as the array overload's <c>query</c>.</param>
    /// <param name="key">Null (with <paramref name="value"/>) for self-attention per leaf, an array for every leaf, or a container.</param>
    /// <param name="value">Given exactly when <paramref name="key"/> is; an array or a container.</param>
    /// <param name="batchFirst">As the array overload, for every leaf.</param>
    /// <param name="numHeads">H, for every leaf (per-leaf weights may still give each leaf its own E).</param>
    /// <param name="scale">As the array overload, for every leaf.</param>
    /// <param name="attentionMask">An array, a container, or null.</param>
    /// <param name="inProjWeights">An array, a container, or null.</param>
    /// <param name="qProjWeights">An array, a container, or null.</param>
    /// <param name="kProjWeights">An array, a container, or null.</param>
    /// <param name="vProjWeights">An array, a container, or null.</param>
    /// <param name="outProjWeights">An array, a container, or null.</param>
    /// <param name="inProjBias">An array, a container, or null.</param>
    /// <param name="outProjBias">An array, a container, or null.</param>
    /// <param name="isCausal">As the array overload, for every leaf.</param>
    /// <param name="keyPaddingMask">An array, a container, or null.</param>
    /// <param name="biasK">An array, a container, or null.</param>
    /// <param name="biasV">An array, a container, or null.</param>
    /// <param name="staticK">An array, a container, or null.</param>
    /// <param name="staticV">An array, a container, or null.</param>
    /// <param name="addZeroAttn">As the array overload, for every leaf.</param>
    /// <param name="returnAttentionWeights">Also return a container of weights.</param>
    /// <param name="averageAttentionWeights">As the array overload, for every leaf.</param>
    /// <param name="dropout">As the array overload, for every leaf.</param>
    /// <param name="training">As the array overload, for every leaf.</param>
    /// <param name="out">A container of arrays with the result's structure (its leaves at leaves not computed are left alone), or an array when exactly one leaf is computed; each leaf is written as the array overload's <c>@out</c>.</param>
    /// <param name="seed">The dropout seed, passed unchanged to every leaf call (so each leaf matches a separate array call with that seed); null draws one per leaf.</param>
    /// <param name="keyChains">Key chains (<c>"a/b"</c>) selecting leaves by whole segments: a chain selects its leaf and every leaf below it. Null selects every leaf. Each chain must select at least one leaf.</param>
    /// <param name="toApply">True computes the selected leaves; false every leaf except them.</param>
    /// <param name="pruneUnapplied">Drop the leaves not computed from the result; otherwise they are kept as the query's node, unchanged.</param>
    /// <param name="mapSequences">Map a leaf holding a list of arrays element by element (otherwise a computed list leaf is an error).</param>
    /// <returns>
    /// Containers: the outputs at the leaves' key chains and, with <paramref name="returnAttentionWeights"/>, the weights
    /// of every computed leaf in a second container of the same structure. Each <paramref name="out"/> leaf, when given,
    /// receives its leaf's output and is the output returned there.
    /// </returns>
    /// <remarks>
    /// <para>A call whose arguments are all arrays or tensors binds to the array overload and returns arrays; this
    /// overload is chosen when an argument is statically a <see cref="Container"/> or <see cref="Nestable"/>.</para>
    /// <para>Every check, structural and per leaf, runs before any <paramref name="out"/> leaf is written; with several
    /// leaves, the outputs are computed first and written into <paramref name="out"/> afterwards, so an <paramref name="out"/>
    /// leaf may alias any input of any leaf.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is null.</exception>
    /// <exception cref="ArgumentException">No argument is a container; container arguments differ in structure (the message names the key chain and both arguments); a key chain selects nothing; an <paramref name="out"/> array would receive several leaves; or a leaf call fails the array call's checks (the message starts with the leaf's key chain). <see cref="ArgumentException.ParamName"/> is the C# parameter name.</exception>
    public static ContainerAttentionResult MultiHeadAttention(
        Nestable query,
        Nestable? key = null,
        Nestable? value = null,
        bool batchFirst = true,
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
        bool mapSequences = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        var arguments = new AttentionArguments<Nestable>(
            Query: query, Key: key, Value: value, BatchFirst: batchFirst, NumHeads: numHeads, Scale: scale,
            AttentionMask: attentionMask, InProjWeights: inProjWeights, QProjWeights: qProjWeights,
            KProjWeights: kProjWeights, VProjWeights: vProjWeights, OutProjWeights: outProjWeights,
            InProjBias: inProjBias, OutProjBias: outProjBias, IsCausal: isCausal, KeyPaddingMask: keyPaddingMask,
            BiasK: biasK, BiasV: biasV, StaticK: staticK, StaticV: staticV, AddZeroAttn: addZeroAttn,
            ReturnAttentionWeights: returnAttentionWeights, AverageAttentionWeights: averageAttentionWeights,
            Dropout: dropout, Training: training, Out: @out, Seed: seed);
        return NestedAttention.Run(arguments, new MapOptions(keyChains, toApply, pruneUnapplied, mapSequences));
    }
}
