using System.Numerics.Tensors;
using static IvySharp.Tests.Containers.Fixtures;

namespace IvySharp.Tests.Containers;

/// <summary>
/// Nestable multi-head attention (contract §12): every leaf of a container call must equal a separate array
/// call with that leaf's arguments, bit for bit (both run the same validated plan on the same kernels).
/// </summary>
public sealed class NestedAttentionTests
{
    private const int Heads = 2;

    /// <summary>One leaf of the deep fixture: its own N (null = unbatched), L, S, Q (= K = V), E and O.</summary>
    private sealed record Leaf(string Chain, int? N, int L, int S, int Q, int E, int O)
    {
        public int[] Shape(int rows, int features) => N is int n ? [n, rows, features] : [rows, features];
    }

    // Depth 3 and 2, every leaf with its own batch, lengths, widths and head width (E / 2 = 3, 2, 4, 1).
    private static readonly Leaf[] s_deep =
    [
        new("enc/self/a", 2, 3, 5, 4, 6, 3),
        new("enc/self/b", 1, 2, 4, 6, 4, 5),
        new("enc/cross/c", 3, 4, 2, 4, 8, 8),
        new("dec/d", null, 5, 3, 2, 2, 2),
    ];

    private sealed record DeepArguments(Container Query, Container Key, Container Value, Container InProj, Container InBias, Container OutProj, Container OutBias);

    private static DeepArguments Deep()
    {
        var args = new DeepArguments(new(), new(), new(), new(), new(), new(), new());
        int seed = 100;
        foreach (Leaf leaf in s_deep)
        {
            args.Query[leaf.Chain] = R(seed++, leaf.Shape(leaf.L, leaf.Q));
            args.Key[leaf.Chain] = R(seed++, leaf.Shape(leaf.S, leaf.Q));
            args.Value[leaf.Chain] = R(seed++, leaf.Shape(leaf.S, leaf.Q));
            args.InProj[leaf.Chain] = R(seed++, 3 * leaf.E, leaf.Q);
            args.InBias[leaf.Chain] = R(seed++, 3 * leaf.E);
            args.OutProj[leaf.Chain] = R(seed++, leaf.O, leaf.E);
            args.OutBias[leaf.Chain] = R(seed++, leaf.O);
        }

        return args;
    }

    private static MultiHeadAttentionResult DeepLeaf(DeepArguments a, string chain, bool averageWeights = true) => Ivy.MultiHeadAttention(
        a.Query[chain].AsArray(), a.Key[chain].AsArray(), a.Value[chain].AsArray(), numHeads: Heads,
        inProjWeights: a.InProj[chain].AsArray(), inProjBias: a.InBias[chain].AsArray(),
        outProjWeights: a.OutProj[chain].AsArray(), outProjBias: a.OutBias[chain].AsArray(),
        returnAttentionWeights: true, averageAttentionWeights: averageWeights);

    [Fact]
    public void Deep_containers_with_per_leaf_shapes_and_weights_equal_separate_array_calls()
    {
        DeepArguments a = Deep();
        var (outputs, weights) = a.Query.MultiHeadAttention(
            a.Key, a.Value, numHeads: Heads, inProjWeights: a.InProj, inProjBias: a.InBias,
            outProjWeights: a.OutProj, outProjBias: a.OutBias, returnAttentionWeights: true, averageAttentionWeights: false);

        Structure(s_deep.Select(l => l.Chain), outputs);
        Structure(s_deep.Select(l => l.Chain), weights!);
        Assert.True(outputs.HasSameStructure(a.Query));
        foreach (Leaf leaf in s_deep)
        {
            var expected = DeepLeaf(a, leaf.Chain, averageWeights: false);
            Same(expected.Output, outputs[leaf.Chain]);
            Same(expected.Weights!, weights![leaf.Chain]);
            Assert.Equal(leaf.N is int n ? [n, leaf.L, leaf.O] : new[] { leaf.L, leaf.O }, outputs[leaf.Chain].AsArray().Shape);
        }
    }

    [Fact]
    public void The_static_call_with_batchFirst_false_maps_every_leaf_in_that_layout()
    {
        var query = new Container { ["a/x"] = R(1, 3, 2, 4), ["b"] = R(2, 5, 1, 4) };
        var key = new Container { ["a/x"] = R(3, 6, 2, 4), ["b"] = R(4, 2, 1, 4) };
        var outputs = Ivy.MultiHeadAttention(query, key, key, batchFirst: false, numHeads: Heads).Output;
        foreach (string chain in new[] { "a/x", "b" })
        {
            Same(Ivy.MultiHeadAttention(query[chain].AsArray(), key[chain].AsArray(), key[chain].AsArray(), batchFirst: false, numHeads: Heads).Output, outputs[chain]);
        }
    }

    [Fact]
    public void A_container_query_with_array_weights_uses_the_arrays_for_every_leaf()
    {
        var query = new Container { ["a"] = R(1, 2, 3, 4), ["b/c"] = R(2, 1, 6, 4), ["b/d/e"] = R(3, 7, 4) };
        IvyArray inProj = R(4, 12, 4), outProj = R(5, 3, 4), outBias = R(6, 3);

        Container outputs = Ivy.MultiHeadAttention(query, numHeads: Heads, inProjWeights: inProj, outProjWeights: outProj, outProjBias: outBias);

        Structure(["a", "b/c", "b/d/e"], outputs);
        foreach (string chain in outputs.KeyChains)
        {
            Same(Ivy.MultiHeadAttention(query[chain].AsArray(), numHeads: Heads, inProjWeights: inProj, outProjWeights: outProj, outProjBias: outBias).Output, outputs[chain]);
        }
    }

    [Fact]
    public void An_array_query_with_container_keys_values_and_masks_gets_the_keys_structure()
    {
        IvyArray query = R(1, 2, 3, 4);
        var key = new Container { ["x"] = R(2, 2, 5, 4), ["y/z"] = R(3, 2, 2, 4) };
        var value = new Container { ["x"] = R(4, 2, 5, 4), ["y/z"] = R(5, 2, 2, 4) };
        var attentionMask = new Container { ["x"] = Mask(6, 3, 5), ["y/z"] = R(7, 2 * Heads, 3, 2) };
        var paddingMask = new Container { ["x"] = Mask(8, 2, 5), ["y"] = new Container { ["z"] = Mask(9, 2, 2) } };

        var (outputs, weights) = Ivy.MultiHeadAttention(
            query, key, value, numHeads: Heads, attentionMask: attentionMask, keyPaddingMask: paddingMask, returnAttentionWeights: true);

        Structure(["x", "y/z"], outputs);
        Structure(["x", "y/z"], weights!);
        foreach (string chain in new[] { "x", "y/z" })
        {
            var expected = Ivy.MultiHeadAttention(query, key[chain].AsArray(), value[chain].AsArray(), numHeads: Heads,
                attentionMask: attentionMask[chain].AsArray(), keyPaddingMask: paddingMask[chain].AsArray(), returnAttentionWeights: true);
            Same(expected.Output, outputs[chain]);
            Same(expected.Weights!, weights![chain]);
        }
    }

    [Fact]
    public void An_array_where_another_argument_has_a_sub_container_is_used_for_every_leaf_below()
    {
        // key/value hold one array at "a" while the query holds a sub-container there, and the other way round at "b".
        var query = new Container { ["a"] = new Container { ["x"] = R(1, 2, 3, 4), ["y"] = new Container { ["deep"] = R(2, 2, 6, 4) } }, ["b"] = R(3, 2, 2, 4) };
        var key = new Container { ["a"] = R(4, 2, 5, 4), ["b"] = new Container { ["u"] = R(5, 2, 4, 4), ["v"] = R(6, 2, 1, 4) } };

        Container outputs = query.MultiHeadAttention(key, key, numHeads: Heads);

        Structure(["a/x", "a/y/deep", "b/u", "b/v"], outputs);
        Same(Ivy.MultiHeadAttention(query["a/x"].AsArray(), key["a"].AsArray(), key["a"].AsArray(), numHeads: Heads).Output, outputs["a/x"]);
        Same(Ivy.MultiHeadAttention(query["a/y/deep"].AsArray(), key["a"].AsArray(), key["a"].AsArray(), numHeads: Heads).Output, outputs["a/y/deep"]);
        Same(Ivy.MultiHeadAttention(query["b"].AsArray(), key["b/u"].AsArray(), key["b/u"].AsArray(), numHeads: Heads).Output, outputs["b/u"]);
        Same(Ivy.MultiHeadAttention(query["b"].AsArray(), key["b/v"].AsArray(), key["b/v"].AsArray(), numHeads: Heads).Output, outputs["b/v"]);

        // A leaf not computed keeps the query's node there, which for "b/u" is the broadcast array.
        Container selected = query.MultiHeadAttention(key, key, numHeads: Heads, keyChains: ["b/v"]);
        Assert.Same(query["b"].AsArray(), selected["b/u"].AsArray());
        Assert.Same(query["a/x"].AsArray(), selected["a/x"].AsArray());
        Same(outputs["b/v"].AsArray(), selected["b/v"]);
    }

    private static Container Selectable() => new()
    {
        ["a"] = new Container { ["x"] = R(1, 2, 3, 4), ["y"] = R(2, 1, 2, 4) },
        ["ab"] = R(3, 2, 4, 4),
        ["c"] = R(4, 3, 4),
    };

    private static IvyArray Computed(Container query, string chain) => Ivy.MultiHeadAttention(query[chain].AsArray(), numHeads: Heads).Output;

    [Fact]
    public void Key_chains_select_whole_segments_never_string_prefixes()
    {
        Container query = Selectable();
        Container outputs = query.MultiHeadAttention(numHeads: Heads, keyChains: ["a"]);

        Structure(["a/x", "a/y", "ab", "c"], outputs);
        Same(Computed(query, "a/x"), outputs["a/x"]);
        Same(Computed(query, "a/y"), outputs["a/y"]);
        Assert.Same(query["ab"].AsArray(), outputs["ab"].AsArray());
        Assert.Same(query["c"].AsArray(), outputs["c"].AsArray());

        Container leafAndOther = query.MultiHeadAttention(numHeads: Heads, keyChains: ["a/y", "ab"]);
        Assert.Same(query["a/x"].AsArray(), leafAndOther["a/x"].AsArray());
        Same(Computed(query, "a/y"), leafAndOther["a/y"]);
        Same(Computed(query, "ab"), leafAndOther["ab"]);
    }

    [Fact]
    public void ToApply_false_computes_every_leaf_except_the_selected()
    {
        Container query = Selectable();
        Container outputs = query.MultiHeadAttention(numHeads: Heads, keyChains: ["a"], toApply: false);

        Structure(["a/x", "a/y", "ab", "c"], outputs);
        Assert.Same(query["a/x"].AsArray(), outputs["a/x"].AsArray());
        Assert.Same(query["a/y"].AsArray(), outputs["a/y"].AsArray());
        Same(Computed(query, "ab"), outputs["ab"]);
        Same(Computed(query, "c"), outputs["c"]);
    }

    [Fact]
    public void PruneUnapplied_drops_leaves_not_computed_and_sub_containers_left_empty()
    {
        Container query = Selectable();
        Container kept = query.MultiHeadAttention(numHeads: Heads, keyChains: ["c"], pruneUnapplied: false);
        Structure(["a/x", "a/y", "ab", "c"], kept);

        Container pruned = query.MultiHeadAttention(numHeads: Heads, keyChains: ["c"], pruneUnapplied: true);
        Structure(["c"], pruned);
        Assert.Equal(["c"], pruned.Keys);
        Same(Computed(query, "c"), pruned["c"]);

        Container prunedInverse = query.MultiHeadAttention(numHeads: Heads, keyChains: ["a/x", "ab"], toApply: false, pruneUnapplied: true);
        Structure(["a/y", "c"], prunedInverse);
    }

    [Fact]
    public void Without_key_chains_every_leaf_is_computed_and_an_empty_list_computes_none()
    {
        Container query = Selectable();
        foreach (bool toApply in new[] { true, false })
        {
            // As Ivy: toApply only matters when keyChains are given.
            Container all = query.MultiHeadAttention(numHeads: Heads, toApply: toApply);
            foreach (string chain in query.KeyChains) Same(Computed(query, chain), all[chain]);
        }

        Container none = query.MultiHeadAttention(numHeads: Heads, keyChains: []);
        foreach (string chain in query.KeyChains) Assert.Same(query[chain].AsArray(), none[chain].AsArray());
        Assert.Empty(query.MultiHeadAttention(numHeads: Heads, keyChains: [], pruneUnapplied: true).Output.Keys);
    }

    [Fact]
    public void MapSequences_maps_list_leaves_element_by_element_with_arrays_broadcast()
    {
        IvyArray q1 = R(1, 2, 3, 4), q2 = R(2, 2, 5, 4), k1 = R(3, 2, 4, 4), k2 = R(4, 2, 1, 4), single = R(5, 2, 6, 4);
        var query = new Container { ["s"] = new[] { q1, q2 }, ["t"] = R(6, 2, 2, 4) };
        var key = new Container { ["s"] = new[] { k1, k2 }, ["t"] = single };
        IvyArray outProj = R(7, 3, 4);

        var (outputs, weights) = query.MultiHeadAttention(key, key, numHeads: Heads, outProjWeights: outProj, returnAttentionWeights: true, mapSequences: true);

        Structure(["s", "t"], outputs);
        IReadOnlyList<IvyArray> s = outputs["s"].AsSequence();
        Assert.Equal(2, s.Count);
        var e1 = Ivy.MultiHeadAttention(q1, k1, k1, numHeads: Heads, outProjWeights: outProj, returnAttentionWeights: true);
        var e2 = Ivy.MultiHeadAttention(q2, k2, k2, numHeads: Heads, outProjWeights: outProj, returnAttentionWeights: true);
        Same(e1.Output, s[0]);
        Same(e2.Output, s[1]);
        Same(e1.Weights!, weights!["s"].AsSequence()[0]);
        Same(e2.Weights!, weights!["s"].AsSequence()[1]);

        // An array key broadcast over a list query.
        var broadcast = new Container { ["s"] = single, ["t"] = single };
        Container b = query.MultiHeadAttention(broadcast, broadcast, numHeads: Heads, mapSequences: true);
        Same(Ivy.MultiHeadAttention(q2, single, single, numHeads: Heads).Output, b["s"].AsSequence()[1]);

        // A list leaf not computed is kept as the query's list.
        Container unapplied = query.MultiHeadAttention(key, key, numHeads: Heads, keyChains: ["t"], mapSequences: true);
        Assert.Equal([q1, q2], unapplied["s"].AsSequence());
    }

    [Fact]
    public void Weights_come_as_a_container_of_the_computed_leaves()
    {
        Container query = Selectable();
        var (outputs, weights) = query.MultiHeadAttention(numHeads: Heads, returnAttentionWeights: true, keyChains: ["a"]);

        Structure(["a/x", "a/y", "ab", "c"], outputs);
        Structure(["a/x", "a/y"], weights!);
        Same(Ivy.MultiHeadAttention(query["a/y"].AsArray(), numHeads: Heads, returnAttentionWeights: true).Weights!, weights!["a/y"]);
        Assert.Null(query.MultiHeadAttention(numHeads: Heads).Weights);

        var (allOutputs, allWeights) = query.MultiHeadAttention(numHeads: Heads, returnAttentionWeights: true);
        Assert.True(allOutputs.HasSameStructure(allWeights!));
    }

    [Fact]
    public void A_container_out_is_written_leaf_by_leaf_and_returned()
    {
        Container query = Selectable();
        var outs = new Container
        {
            ["a"] = new Container { ["x"] = IvyArray.Zeros(DType.Float64, 2, 3, 4), ["y"] = IvyArray.Zeros(DType.Float32, 1, 2, 4) },
            ["ab"] = Full(-7, DType.Float32, 2, 4, 4),
            ["c"] = IvyArray.Zeros(DType.Float16, 3, 4),
        };

        Container outputs = query.MultiHeadAttention(numHeads: Heads, @out: outs, keyChains: ["ab"], toApply: false);

        foreach (string chain in new[] { "a/x", "a/y", "c" })
        {
            IvyArray target = outs[chain].AsArray();
            Assert.Same(target, outputs[chain].AsArray());
            var separate = IvyArray.Zeros(target.DType, target.Shape);
            Ivy.MultiHeadAttention(query[chain].AsArray(), numHeads: Heads, @out: separate);
            Same(separate, target);
        }

        // The leaf not computed keeps the query's array; its @out leaf is left alone.
        Assert.Same(query["ab"].AsArray(), outputs["ab"].AsArray());
        Filled(-7, outs["ab"].AsArray());
    }

    [Fact]
    public void A_float16_query_with_float32_out_leaves_matches_the_array_call_without_float16_rounding()
    {
        var query = new Container { ["a"] = R(1, [2, 3, 4], DType.Float16), ["b"] = R(2, [2, 5, 4], DType.Float16) };
        var outs = new Container { ["a"] = IvyArray.Zeros(DType.Float32, 2, 3, 4), ["b"] = IvyArray.Zeros(DType.Float32, 2, 5, 4) };
        query.MultiHeadAttention(numHeads: Heads, @out: outs);
        foreach (string chain in new[] { "a", "b" })
        {
            var separate = IvyArray.Zeros(DType.Float32, 2, query[chain].AsArray().Shape[1], 4);
            Ivy.MultiHeadAttention(query[chain].AsArray(), numHeads: Heads, @out: separate);
            Same(separate, outs[chain]);
        }
    }

    [Fact]
    public void An_out_leaf_may_alias_another_leafs_input()
    {
        IvyArray qa = R(1, 2, 3, 4), qb = R(2, 2, 3, 4);
        IvyArray expectedA = Ivy.MultiHeadAttention(Copy(qa), numHeads: Heads).Output;
        IvyArray expectedB = Ivy.MultiHeadAttention(Copy(qb), numHeads: Heads).Output;
        var query = new Container { ["a"] = qa, ["b"] = qb };

        // Leaf a writes into b's query and leaf b into a's: writing a first must not corrupt b's input.
        Container outputs = query.MultiHeadAttention(numHeads: Heads, @out: new Container { ["a"] = qb, ["b"] = qa });

        Same(expectedA, qb);
        Same(expectedB, qa);
        Assert.Same(qb, outputs["a"].AsArray());

        // The same inputs through a key container that shares them across leaves, written in place.
        IvyArray shared = R(3, 2, 3, 4), other = R(4, 2, 3, 4);
        IvyArray expectedShared = Ivy.MultiHeadAttention(Copy(shared), Copy(shared), Copy(shared), numHeads: Heads).Output;
        IvyArray expectedOther = Ivy.MultiHeadAttention(Copy(other), Copy(shared), Copy(shared), numHeads: Heads).Output;
        Ivy.MultiHeadAttention(new Container { ["s"] = shared, ["o"] = other }, shared, shared, numHeads: Heads,
            @out: new Container { ["s"] = shared, ["o"] = other });
        Same(expectedShared, shared);
        Same(expectedOther, other);
    }

    [Fact]
    public void A_single_computed_leaf_may_write_an_out_array_that_aliases_its_own_query()
    {
        IvyArray q = R(1, 2, 3, 4);
        IvyArray expected = Ivy.MultiHeadAttention(Copy(q), numHeads: Heads).Output;
        var outputs = Ivy.MultiHeadAttention(new Container { ["only"] = q }, numHeads: Heads, @out: q);
        Same(expected, q);
        Assert.Same(q, outputs.Output["only"].AsArray());
    }

    [Fact]
    public void Dropout_with_a_seed_gives_every_leaf_the_separate_calls_result()
    {
        Container query = Selectable();
        var (outputs, weights) = query.MultiHeadAttention(numHeads: Heads, dropout: 0.3, training: true, seed: 42, returnAttentionWeights: true);
        foreach (string chain in query.KeyChains)
        {
            var expected = Ivy.MultiHeadAttention(query[chain].AsArray(), numHeads: Heads, dropout: 0.3, training: true, seed: 42, returnAttentionWeights: true);
            Same(expected.Output, outputs[chain]);
            Same(expected.Weights!, weights![chain]);
        }
    }

    [Fact]
    public void Tensor_leaves_and_tensor_arguments_work_like_arrays()
    {
        var tensorQuery = Tensor.Create(R(1, 2, 3, 4).ToArray<double>(), [2, 3, 4]);
        var query = new Container { ["t"] = tensorQuery, ["a"] = R(2, [2, 5, 4], DType.Float64) };
        var key = Tensor.Create(R(3, 2, 6, 4).ToArray<double>(), [2, 6, 4]);
        Container outputs = Ivy.MultiHeadAttention(query, key, key, numHeads: Heads);
        Same(Ivy.MultiHeadAttention(tensorQuery, key, key, numHeads: Heads).Output, outputs["t"]);
        Assert.Equal(DType.Float64, outputs["a"].AsArray().DType);
    }

    [Fact]
    public void Inputs_are_not_modified()
    {
        DeepArguments a = Deep();
        DeepArguments copy = Deep();
        a.Query.MultiHeadAttention(a.Key, a.Value, numHeads: Heads, inProjWeights: a.InProj, inProjBias: a.InBias,
            outProjWeights: a.OutProj, outProjBias: a.OutBias);
        Assert.Null(a.Query.FindDifference(copy.Query));
        Assert.Null(a.Key.FindDifference(copy.Key));
        Assert.Null(a.InProj.FindDifference(copy.InProj));
    }
}
