using System.Buffers;
using System.Numerics.Tensors;
using IvySharp.Tests.Containers;
using IvySharp.Tests.Reliability;
using AttentionLayer = IvySharp.Layers.MultiHeadAttention;

namespace IvySharp.Tests.Layers;

/// <summary>
/// The layer's <c>attentionWeightsOut</c>: the weights written into the caller's array (in place, or last when it may
/// alias an input or is of another dtype or a view) give exactly the weights a fresh result holds, on every kernel
/// variant and when one array is reused across calls; bad arrays are refused by name before anything is written.
/// </summary>
public sealed class LayerWeightsOutTests
{
    public static TheoryData<string> Variants() => KernelVariants.Theory();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Weights_written_into_the_callers_array_equal_a_fresh_result_and_are_returned(string variant)
    {
        using var pinned = KernelVariants.Use(variant);
        var layer = new AttentionLayer(16, numHeads: 4, seed: 2);
        IvyArray query = Fixtures.R(3, 2, 6, 16);
        IvyArray padding = IvyArray.From(Enumerable.Range(0, 12).Select(i => i % 6 == 5).ToArray(), 2, 6);
        foreach (bool average in new[] { true, false })
        {
            var (expectedOutput, expectedWeights) = layer.Forward(query, keyPaddingMask: padding, returnAttentionWeights: true, averageAttentionWeights: average);
            int[] shape = average ? [2, 6, 6] : [2, 4, 6, 6];
            var target = IvyArray.From(Enumerable.Repeat(float.NaN, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape);
            var (output, weights) = layer.Forward(query, keyPaddingMask: padding, returnAttentionWeights: true, averageAttentionWeights: average, attentionWeightsOut: target);
            Assert.Same(target, weights);
            Assert.Equal(expectedWeights!.ToArray<float>(), target.ToArray<float>());
            Assert.Equal(expectedOutput.ToArray<float>(), output.ToArray<float>());
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void One_array_reused_across_calls_holds_each_calls_weights_zeros_included(string variant)
    {
        // The causal call leaves every weight above the diagonal 0 (whole tiles there are never visited), where the
        // call before it wrote values: the reused array must be cleared before the cores write into it. 40 keys span
        // several tiles on the narrow widths.
        using var pinned = KernelVariants.Use(variant);
        var layer = new AttentionLayer(32, numHeads: 2, seed: 4);
        IvyArray query = Fixtures.R(5, 1, 40, 32);
        var target = IvyArray.From(new float[40 * 40], 1, 40, 40);
        foreach (bool causal in new[] { false, true, false })
        {
            float[] expected = layer.Forward(query, isCausal: causal, returnAttentionWeights: true).Weights!.ToArray<float>();
            layer.Forward(query, isCausal: causal, returnAttentionWeights: true, attentionWeightsOut: target);
            Assert.Equal(expected, target.ToArray<float>());
        }
    }

    [Fact]
    public void Arrays_that_cannot_be_written_in_place_receive_the_same_weights_last()
    {
        var layer = new AttentionLayer(6, numHeads: 2, seed: 8);
        IvyArray query = Fixtures.R(9, 1, 6, 6);
        float[] expected = layer.Forward(query, returnAttentionWeights: true).Weights!.ToArray<float>();

        // Another dtype: converted.
        var wide = IvyArray.From(new double[36], 1, 6, 6);
        Assert.Same(wide, layer.Forward(query, returnAttentionWeights: true, attentionWeightsOut: wide).Weights);
        Assert.Equal(expected.Select(x => (double)x).ToArray(), wide.ToArray<double>());

        // A float16 layer into float32: the float16 weights (rounded once), converted, as out receives a float16 result.
        var half = new AttentionLayer(6, numHeads: 2, dtype: DType.Float16, seed: 8);
        IvyArray halfQuery = IvyArray.From(query.ToArray<float>().Select(x => (Half)x).ToArray(), 1, 6, 6);
        float[] halfExpected = half.Forward(halfQuery, returnAttentionWeights: true).Weights!.ToArray<Half>().Select(x => (float)x).ToArray();
        var single = IvyArray.From(new float[36], 1, 6, 6);
        half.Forward(halfQuery, returnAttentionWeights: true, attentionWeightsOut: single);
        Assert.Equal(halfExpected, single.ToArray<float>());

        // A strided tensor view: written through its strides, the elements between left alone.
        var backing = Tensor.Create(Enumerable.Repeat(-7f, 72).ToArray(), [1, 6, 12]);
        var view = IvyArray.From(backing.Slice([NRange.All, NRange.All, new NRange(0, 6)]));
        layer.Forward(query, returnAttentionWeights: true, attentionWeightsOut: view);
        Assert.Equal(expected, view.ToArray<float>());
        Assert.All(Enumerable.Range(0, 6).SelectMany(r => Enumerable.Range(6, 6).Select(c => backing[0, r, c])), x => Assert.Equal(-7f, x));

        // The query itself (the same shape here): the weights overwrite it after it has been read, as out may.
        float[] queryData = query.ToArray<float>();
        var aliased = IvyArray.From(queryData, 1, 6, 6);
        float[] output = layer.Forward(aliased, returnAttentionWeights: true, attentionWeightsOut: aliased).Output.ToArray<float>();
        Assert.Equal(expected, queryData);
        Assert.Equal(layer.Forward(query).Output.ToArray<float>(), output);
    }

    [Fact]
    public void Bad_arrays_are_refused_by_name_before_anything_is_written()
    {
        var layer = new AttentionLayer(8, numHeads: 2, seed: 1);
        IvyArray query = Fixtures.R(1, 2, 3, 8);
        var output = IvyArray.From(Enumerable.Repeat(5f, 48).ToArray(), 2, 3, 8);

        void Refused(IvyArray weightsOut, bool returnWeights, bool average, string fragment)
        {
            float[] before = weightsOut.DType == DType.Bool ? [] : weightsOut.ToArray<float>();
            var error = Assert.Throws<ArgumentException>(() => layer.Forward(
                query, returnAttentionWeights: returnWeights, averageAttentionWeights: average, @out: output, attentionWeightsOut: weightsOut));
            Assert.Equal("attentionWeightsOut", error.ParamName);
            Assert.Contains(fragment, error.Message);
            Assert.All(output.ToArray<float>(), x => Assert.Equal(5f, x));
            if (before.Length > 0) Assert.Equal(before, weightsOut.ToArray<float>());
        }

        Refused(IvyArray.From(new float[18], 2, 3, 3), returnWeights: false, average: true, "returnAttentionWeights: true");
        Refused(IvyArray.From(Enumerable.Repeat(1f, 18).ToArray(), 2, 3, 3), returnWeights: true, average: false, "(2, 2, 3, 3)");
        Refused(IvyArray.From(Enumerable.Repeat(1f, 18).ToArray(), 2, 9), returnWeights: true, average: true, "got (2, 9)");
        Refused(IvyArray.From(new bool[18], 2, 3, 3), returnWeights: true, average: true, "floating dtype");
        Refused(IvyArray.From(Tensor.Create(Enumerable.Repeat(2f, 3).ToArray(), [2, 3, 3], [0, 0, 1])), returnWeights: true, average: true, "share memory");
    }
}
