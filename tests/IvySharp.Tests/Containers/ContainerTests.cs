using System.Numerics.Tensors;
using static IvySharp.Tests.Containers.Fixtures;

namespace IvySharp.Tests.Containers;

/// <summary>The <see cref="Container"/> tree itself: construction, indexing, enumeration, text, comparison, mapping.</summary>
public sealed class ContainerTests
{
    private static readonly IvyArray X = IvyArray.From(new float[] { 1, 2 }, 2);
    private static readonly IvyArray Y = IvyArray.From(new float[] { 3, 4, 5, 6 }, 2, 2);
    private static readonly IvyArray Z = IvyArray.From(new double[] { 7 }, 1);

    [Fact]
    public void Index_initialisers_build_a_nested_tree_in_insertion_order()
    {
        var c = new Container
        {
            ["b"] = X,
            ["a"] = new Container { ["y"] = Y, ["z"] = Z },
        };

        Assert.Equal(["b", "a"], c.Keys);
        Assert.Equal(2, c.Count);
        Assert.Same(X, c["b"].AsArray());
        Assert.True(c["a"].IsContainer);
        Assert.Same(Y, c["a/y"].AsArray());
        Assert.Same(Z, c["a"].AsContainer()["z"].AsArray());
    }

    [Fact]
    public void Add_initialisers_and_key_chains_create_intermediate_containers()
    {
        var c = new Container { { "a/b/c", X }, { "a/b/d", Y }, { "e", Z } };

        Assert.Equal(["a", "e"], c.Keys);
        Assert.Equal(["a/b/c", "a/b/d", "e"], c.KeyChains);
        Assert.Equal(["b"], c["a"].AsContainer().Keys);
        Assert.Same(Y, c["a/b/d"].AsArray());
    }

    [Fact]
    public void Sequence_leaves_come_from_arrays_lists_and_collection_expressions()
    {
        var c = new Container
        {
            ["fromArray"] = new[] { X, Y },
            ["fromList"] = new List<IvyArray> { Z },
        };
        c.Add("fromExpression", [Y, Z, X]);

        Assert.Equal(ContainerValueKind.Sequence, c["fromArray"].Kind);
        Assert.Equal([X, Y], c["fromArray"].AsSequence());
        Assert.Equal([Z], c["fromList"].AsSequence());
        Assert.Equal([Y, Z, X], c["fromExpression"].AsSequence());
    }

    [Fact]
    public void A_sequence_is_a_snapshot_of_the_list_it_was_made_from()
    {
        var list = new List<IvyArray> { X };
        var c = new Container { ["s"] = list };
        list.Add(Y);
        Assert.Single(c["s"].AsSequence());
    }

    [Fact]
    public void Tensors_are_stored_as_array_leaves_without_copying()
    {
        var tensor = Tensor.Create(new float[] { 1, 2, 3 }, [3]);
        var c = new Container { ["t"] = tensor };
        tensor[1] = 20;
        Assert.Equal(20, c["t"].AsArray()[1]);
    }

    [Fact]
    public void Setting_an_existing_key_replaces_in_place_and_keeps_the_order()
    {
        var c = new Container { ["a"] = X, ["b"] = Y, ["c"] = Z };
        c["b"] = new Container { ["inner"] = X };
        Assert.Equal(["a", "b", "c"], c.Keys);
        Assert.Equal(["a", "b/inner", "c"], c.KeyChains);
    }

    [Fact]
    public void Lookup_helpers_find_nodes_by_key_and_key_chain()
    {
        var c = new Container { ["a/b"] = X };
        Assert.True(c.ContainsKey("a"));
        Assert.True(c.ContainsKey("a/b"));
        Assert.False(c.ContainsKey("a/c"));
        Assert.False(c.ContainsKey("a/b/c"));
        Assert.True(c.TryGetValue("a/b", out ContainerValue found));
        Assert.Same(X, found.AsArray());
        Assert.False(c.TryGetValue("b", out ContainerValue missing));
        Assert.Equal(ContainerValueKind.None, missing.Kind);
        var e = Assert.Throws<KeyNotFoundException>(() => c["a/x"]);
        Assert.Contains("'a/x'", e.Message);
    }

    [Fact]
    public void Remove_drops_a_leaf_or_a_whole_sub_container()
    {
        var c = new Container { ["a/b"] = X, ["a/c"] = Y, ["d"] = Z };
        Assert.True(c.Remove("a/b"));
        Assert.Equal(["a/c", "d"], c.KeyChains);
        Assert.True(c.Remove("a"));
        Assert.Equal(["d"], c.KeyChains);
        Assert.False(c.Remove("a"));
        Assert.False(c.Remove("d/e"));
    }

    [Fact]
    public void Enumeration_yields_leaves_depth_first_with_their_key_chains()
    {
        var c = new Container
        {
            ["a"] = X,
            ["b"] = new Container { ["c"] = new Container { ["d"] = Y }, ["e"] = new[] { X, Z } },
            ["f"] = new Container(),
            ["g"] = Z,
        };

        var leaves = c.ToList();
        Assert.Equal(["a", "b/c/d", "b/e", "g"], leaves.Select(l => l.Key));
        Assert.Same(Y, leaves[1].Value.AsArray());
        Assert.True(leaves[2].Value.IsSequence);
        foreach (var (keyChain, leaf) in c) Assert.False(leaf.IsContainer, keyChain);
    }

    [Fact]
    public void ToString_prints_ivy_nested_style()
    {
        var c = new Container
        {
            ["a"] = IvyArray.From(new float[] { 1, 2 }, 2),
            ["b"] = new Container { ["c"] = IvyArray.From(new double[] { 0.5 }, 1), ["s"] = new[] { IvyArray.From(new float[] { 3 }, 1) } },
            ["e"] = new Container(),
        };

        string expected =
            "{\n" +
            "    a: ivy.array([1, 2], shape=(2,), dtype=float32),\n" +
            "    b: {\n" +
            "        c: ivy.array([0.5], shape=(1,), dtype=float64),\n" +
            "        s: [ivy.array([3], shape=(1,), dtype=float32)]\n" +
            "    },\n" +
            "    e: {}\n" +
            "}";
        Assert.Equal(expected, c.ToString());
        Assert.Equal("{}", new Container().ToString());
    }

    [Fact]
    public void Structural_comparison_ignores_key_order_but_not_kinds_or_lengths()
    {
        var c = new Container { ["a"] = X, ["b/c"] = Y, ["s"] = new[] { X, Y } };
        var reordered = new Container { ["b/c"] = Z, ["s"] = new[] { Z, Z }, ["a"] = Z };
        Assert.True(c.HasSameStructure(reordered));
        Assert.False(c.HasSameStructure(new Container { ["a"] = X, ["b"] = Y, ["s"] = new[] { X, Y } }));
        Assert.False(c.HasSameStructure(new Container { ["a"] = X, ["b/c"] = Y, ["s"] = new[] { X } }));
        Assert.False(c.HasSameStructure(new Container { ["a"] = X, ["b/c"] = Y, ["s"] = new[] { X, Y }, ["t"] = X }));
    }

    [Fact]
    public void AllClose_compares_shapes_dtypes_and_values_and_names_the_first_difference()
    {
        var c = new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2 }, 2) };
        Assert.True(c.AllClose(new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2 }, 2) }));
        Assert.True(c.AllClose(new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2.001f }, 2) }, tolerance: 0.01));

        var off = new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2.5f }, 2) };
        Assert.False(c.AllClose(off, tolerance: 0.1));
        Assert.Contains("'a/b'", c.FindDifference(off, 0.1));
        Assert.Contains("dtypes", c.FindDifference(new Container { ["a/b"] = IvyArray.From(new double[] { 1, 2 }, 2) }));
        Assert.Contains("shapes", c.FindDifference(new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2 }, 1, 2) }));
        Assert.Contains("only the second", c.FindDifference(new Container { ["a/b"] = IvyArray.From(new float[] { 1, 2 }, 2), ["z"] = X }));
        Assert.Null(new Container { ["n"] = IvyArray.From(new[] { float.NaN }, 1) }.FindDifference(new Container { ["n"] = IvyArray.From(new[] { float.NaN }, 1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.AllClose(c, -1));
    }

    [Fact]
    public void ContainerValue_equality_is_identity_and_kinds_are_checked()
    {
        ContainerValue a = X, b = X, copy = Copy(X);
        Assert.True(a == b);
        Assert.True(a != copy);
        var e = Assert.Throws<InvalidOperationException>(() => a.AsContainer());
        Assert.Contains("an array, not a container", e.Message);
        Assert.Throws<InvalidOperationException>(() => default(ContainerValue).AsArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    public void Malformed_key_chains_are_rejected(string chain)
    {
        var c = new Container();
        var e = Assert.Throws<ArgumentException>(() => c[chain] = X);
        Assert.Equal("keyChain", e.ParamName);
        Assert.Throws<ArgumentException>(() => c.ContainsKey(chain));
    }

    [Fact]
    public void Invalid_stores_are_rejected()
    {
        var c = new Container { ["a"] = X };
        Assert.Equal("keyChain", Assert.Throws<ArgumentException>(() => c.Add("a", Y)).ParamName);
        Assert.Equal("keyChain", Assert.Throws<ArgumentException>(() => c["a/b"] = Y).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => c["n"] = (IvyArray?)null).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => c["n"] = default(ContainerValue)).ParamName);
        Assert.Throws<ArgumentNullException>(() => ContainerValue.Sequence([X, null!]));
    }

    [Fact]
    public void A_container_cannot_contain_itself()
    {
        var root = new Container { ["a/b"] = X };
        var a = root["a"].AsContainer();
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => root["self"] = root).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => a["loop"] = root).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => root["a/b2/x"] = a).ParamName);
        root["shared"] = a; // the same sub-container twice is a DAG, not a cycle
        Assert.Equal(["a/b", "shared/b"], root.KeyChains);
    }

    [Fact]
    public void Map_applies_a_function_per_leaf_with_selection_and_sequences()
    {
        var c = new Container { ["a/x"] = X, ["ab"] = Y, ["s"] = new[] { X, Z } };
        var seen = new List<string>();
        Container doubled = c.Map((chain, a) =>
        {
            seen.Add(chain);
            return IvyArray.From(a.ToArray<double>().Select(v => v * 2).ToArray(), a.Shape);
        });

        Assert.Equal(["a/x", "ab", "s", "s"], seen);
        Assert.Equal([2.0, 4.0], doubled["a/x"].AsArray().ToArray<double>());
        Assert.Equal([14.0], doubled["s"].AsSequence()[1].ToArray<double>());

        Container onlyA = c.Map((_, a) => Copy(a), keyChains: ["a"]);
        Assert.NotSame(X, onlyA["a/x"].AsArray());
        Assert.Same(Y, onlyA["ab"].AsArray());

        Container pruned = c.Map((_, a) => a, keyChains: ["a"], pruneUnapplied: true);
        Assert.Equal(["a/x"], pruned.KeyChains);
        Assert.Throws<InvalidOperationException>(() => c.Map((_, _) => null!));
    }
}
