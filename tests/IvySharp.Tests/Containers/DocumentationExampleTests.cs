using static IvySharp.Tests.Containers.Fixtures;

namespace IvySharp.Tests.Containers;

/// <summary>The example of <c>docs/containers.md</c>, with data, so the documented code keeps compiling and meaning what it says.</summary>
public sealed class DocumentationExampleTests
{
    [Fact]
    public void The_documented_example_runs_and_gives_the_documented_shapes()
    {
        var queries = new Container
        {
            ["encoder/text"] = R(1, 2, 7, 16),
            ["encoder/image"] = R(2, 2, 49, 16),
            ["decoder"] = R(3, 2, 5, 16),
        };
        var outProj = new Container
        {
            ["encoder"] = R(4, 16, 16),
            ["decoder"] = R(5, 8, 16),
        };

        var (outputs, weights) = queries.MultiHeadAttention(numHeads: 4, outProjWeights: outProj, returnAttentionWeights: true);

        Assert.Equal([2, 7, 16], outputs["encoder/text"].AsArray().Shape);
        Assert.Equal([2, 5, 8], outputs["decoder"].AsArray().Shape);
        Assert.Equal(["encoder/text", "encoder/image", "decoder"], weights!.KeyChains);
        Assert.Equal([2, 49, 49], weights["encoder/image"].AsArray().Shape);
        Same(Ivy.MultiHeadAttention(queries["encoder/image"].AsArray(), numHeads: 4, outProjWeights: outProj["encoder"].AsArray()).Output, outputs["encoder/image"]);

        Container encoded = queries.MultiHeadAttention(numHeads: 4, outProjWeights: outProj, keyChains: ["encoder"], pruneUnapplied: true);
        Assert.Equal(["encoder/text", "encoder/image"], encoded.KeyChains);

        IvyArray query = R(6, 2, 3, 16);
        var memories = new Container { ["long"] = R(7, 2, 30, 16), ["short"] = R(8, 2, 4, 16) };
        Container perMemory = Ivy.MultiHeadAttention(query, key: memories, value: memories, numHeads: 4);
        Assert.Equal(["long", "short"], perMemory.Keys);
        Assert.StartsWith("{\n    long: ivy.array(", perMemory.ToString());
    }
}
