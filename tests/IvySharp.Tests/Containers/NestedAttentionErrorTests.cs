using static IvySharp.Tests.Containers.Fixtures;

namespace IvySharp.Tests.Containers;

/// <summary>
/// The §12 error rules: every error is an <see cref="ArgumentException"/> carrying the C# parameter name, the
/// message names the key chain (and, for structure, both arguments), and no <c>@out</c> leaf is written.
/// </summary>
public sealed class NestedAttentionErrorTests
{
    private const int Heads = 2;

    private static Container Query() => new()
    {
        ["enc"] = new Container { ["x"] = R(1, 2, 3, 4), ["y"] = R(2, 2, 5, 4) },
        ["dec"] = R(3, 1, 2, 4),
    };

    private static Container Outs(double sentinel) => new()
    {
        ["enc"] = new Container { ["x"] = Full(sentinel, DType.Float32, 2, 3, 4), ["y"] = Full(sentinel, DType.Float32, 2, 5, 4) },
        ["dec"] = Full(sentinel, DType.Float32, 1, 2, 4),
    };

    private static void NothingWritten(Container outs, double sentinel)
    {
        foreach (var (_, leaf) in outs) Filled(sentinel, leaf.AsArray());
    }

    [Fact]
    public void A_key_missing_from_one_container_names_the_key_chain_and_both_arguments()
    {
        var key = new Container { ["enc"] = new Container { ["x"] = R(4, 2, 3, 4) }, ["dec"] = R(5, 1, 2, 4) };
        var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(key, key, numHeads: Heads));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("'enc/y'", e.Message);
        Assert.Contains("query", e.Message);
    }

    [Fact]
    public void A_key_only_another_container_has_is_an_error_too()
    {
        Container value = Query();
        value["dec2"] = R(6, 1, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => Ivy.MultiHeadAttention(Query(), Query(), value, numHeads: Heads));
        Assert.Equal("value", e.ParamName);
        Assert.Contains("'dec2'", e.Message);
        Assert.Contains("query lacks", e.Message);
    }

    [Fact]
    public void Structure_is_compared_with_the_first_container_argument_even_when_the_query_is_an_array()
    {
        var key = new Container { ["a"] = R(1, 2, 3, 4), ["b"] = R(2, 2, 3, 4) };
        var value = new Container { ["a"] = R(3, 2, 3, 4) };
        var e = Assert.Throws<ArgumentException>(() => Ivy.MultiHeadAttention(R(4, 2, 3, 4), key, value, numHeads: Heads));
        Assert.Equal("value", e.ParamName);
        Assert.Contains("'b'", e.Message);
        Assert.Contains("which key has", e.Message);
    }

    [Fact]
    public void A_list_where_another_argument_holds_a_container_is_a_structure_error()
    {
        var query = new Container { ["s"] = new[] { R(1, 2, 3, 4) } };
        var key = new Container { ["s"] = new Container { ["x"] = R(2, 2, 3, 4) } };
        var e = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(key, key, numHeads: Heads, mapSequences: true));
        Assert.Equal("query", e.ParamName);
        Assert.Contains("'s'", e.Message);
        Assert.Contains("key holds a container", e.Message);
    }

    [Theory]
    [InlineData("en")]        // a string prefix of "enc", not a segment
    [InlineData("enc/x/z")]   // below a leaf
    [InlineData("nothing")]
    public void A_key_chain_that_selects_nothing_is_an_error(string chain)
    {
        foreach (bool toApply in new[] { true, false })
        {
            var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(numHeads: Heads, keyChains: ["dec", chain], toApply: toApply));
            Assert.Equal("keyChains", e.ParamName);
            Assert.Contains($"'{chain}'", e.Message);
            Assert.Contains("'enc/x'", e.Message); // lists the leaves that exist
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("enc//x")]
    [InlineData("enc/")]
    public void A_malformed_key_chain_is_an_error(string chain)
    {
        var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(numHeads: Heads, keyChains: [chain]));
        Assert.Equal("keyChains", e.ParamName);
    }

    [Fact]
    public void A_failing_leaf_names_its_key_chain_and_nothing_is_written_to_any_out_leaf()
    {
        // Leaves enc/x and enc/y validate; dec's out projection has the wrong width. The failing leaf comes last.
        var outProj = new Container
        {
            ["enc"] = R(7, 4, 4),
            ["dec"] = R(8, 4, 5),
        };
        Container outs = Outs(-5);
        var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(numHeads: Heads, outProjWeights: outProj, @out: outs));
        Assert.Equal("outProjWeights", e.ParamName);
        Assert.StartsWith("Leaf 'dec': outProjWeights must be (O, E)", e.Message);
        Assert.IsType<ArgumentException>(e.InnerException);
        NothingWritten(outs, -5);
    }

    [Fact]
    public void A_wrong_out_leaf_fails_before_any_other_out_leaf_is_written()
    {
        Container outs = Outs(3);
        outs["dec"] = Full(3, DType.Float32, 1, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(numHeads: Heads, @out: outs));
        Assert.Equal("out", e.ParamName);
        Assert.StartsWith("Leaf 'dec': out must have the output shape (1, 2, 4)", e.Message);
        NothingWritten(outs, 3);
    }

    [Fact]
    public void A_failing_list_element_names_the_element()
    {
        var query = new Container { ["s"] = new[] { R(1, 2, 3, 4), R(2, 2, 3, 6) } };
        var e = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(numHeads: Heads, inProjWeights: R(3, 12, 4), mapSequences: true));
        Assert.Equal("inProjWeights", e.ParamName);
        Assert.StartsWith("Leaf 's' element 1:", e.Message);
    }

    [Fact]
    public void A_list_leaf_without_mapSequences_is_an_error_unless_it_is_not_computed()
    {
        var query = new Container { ["s"] = new[] { R(1, 2, 3, 4) }, ["t"] = R(2, 2, 3, 4) };
        var e = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(numHeads: Heads));
        Assert.Equal("query", e.ParamName);
        Assert.Contains("'s'", e.Message);
        Assert.Contains("mapSequences", e.Message);

        Container outputs = query.MultiHeadAttention(numHeads: Heads, keyChains: ["t"]);
        Assert.True(outputs["s"].IsSequence);
    }

    [Fact]
    public void Lists_mapped_together_must_have_one_length()
    {
        var query = new Container { ["s"] = new[] { R(1, 2, 3, 4), R(2, 2, 3, 4) } };
        var key = new Container { ["s"] = new[] { R(3, 2, 3, 4) } };
        var e = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(key, key, numHeads: Heads, mapSequences: true));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("'s'", e.Message);
        Assert.Contains("list of 1", e.Message);
    }

    [Fact]
    public void One_out_array_for_several_leaves_is_an_error()
    {
        IvyArray shared = Full(9, DType.Float32, 2, 3, 4);
        var query = new Container { ["a"] = R(1, 2, 3, 4), ["b"] = R(2, 2, 3, 4) };

        var plain = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(numHeads: Heads, @out: shared));
        Assert.Equal("out", plain.ParamName);
        Assert.Contains("'a'", plain.Message);
        Assert.Contains("'b'", plain.Message);

        var twice = Assert.Throws<ArgumentException>(() => query.MultiHeadAttention(numHeads: Heads, @out: new Container { ["a"] = shared, ["b"] = shared }));
        Assert.Equal("out", twice.ParamName);
        Filled(9, shared);

        // One computed leaf may take a plain out array.
        query.MultiHeadAttention(numHeads: Heads, @out: shared, keyChains: ["b"]);
        Same(Ivy.MultiHeadAttention(query["b"].AsArray(), numHeads: Heads).Output, shared);
    }

    [Fact]
    public void Per_leaf_scalar_errors_carry_the_leaf_and_the_parameter()
    {
        var e = Assert.Throws<ArgumentException>(() => Query().MultiHeadAttention(numHeads: 3));
        Assert.Equal("numHeads", e.ParamName);
        Assert.StartsWith("Leaf 'enc/x':", e.Message);
    }
}
