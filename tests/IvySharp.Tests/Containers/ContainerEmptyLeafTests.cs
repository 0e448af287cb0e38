using IvySharp.Kernels;

namespace IvySharp.Tests.Containers;

/// <summary>
/// A container leaf with no query rows (L = 0) against many keys returns its empty result on every
/// variant: the empty case is handled in the engine entry every caller shares, not only in the array
/// facade (the tiled engine's key split used to divide by the zero row count on the container path).
/// </summary>
public sealed class ContainerEmptyLeafTests
{
    [Fact]
    public void Empty_query_leaf_against_long_keys_gives_empty_results_on_every_variant()
    {
        foreach (KernelVariant variant in KernelVariant.All.Where(KernelSelector.IsSupported))
        {
            using var pinned = KernelSelector.Use(variant);
            var queries = new Container
            {
                ["empty"] = IvyArray.From(Array.Empty<float>(), 0, 6),
                ["one"] = IvyArray.From(new float[6], 1, 6),
            };
            var memory = IvyArray.From(new float[3000 * 6], 3000, 6);
            var (outputs, weights) = Ivy.MultiHeadAttention(queries, memory, memory, numHeads: 3, returnAttentionWeights: true);
            Assert.Equal([0, 6], outputs["empty"].AsArray().Shape);
            Assert.Equal([0, 3000], weights!["empty"].AsArray().Shape);
            Assert.Equal([1, 6], outputs["one"].AsArray().Shape);
            Assert.All(weights["one"].AsArray().ToArray<float>(), w => Assert.Equal(1f / 3000, w, 1e-7f));
        }
    }
}
