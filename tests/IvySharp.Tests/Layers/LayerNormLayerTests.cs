using IvySharp.Layers;
using IvySharp.Tests.Reliability;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Layers;

/// <summary>Layers.LayerNorm: variables, Forward = Ivy.LayerNorm over the last axes, validation.</summary>
public sealed class LayerNormLayerTests
{
    [Fact]
    public void New_variables_are_ones_and_zeros_of_the_normalised_shape()
    {
        var layer = new LayerNorm([3, 4], dtype: DType.Float64);
        Assert.Equal([3, 4], layer.Weight!.Shape);
        Assert.All(A.D(layer.Weight), v => Assert.Equal(1.0, v));
        Assert.All(A.D(layer.Bias!), v => Assert.Equal(0.0, v));
        Assert.Equal(["weight", "bias"], layer.V.Keys);
        Assert.Equal([3, 4], layer.NormalizedShape);
        Assert.Empty(new LayerNorm([4], elementwiseAffine: false).V.Keys);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_is_Ivy_LayerNorm_over_the_last_axes(bool affine)
    {
        IvyArray w = A.F(DType.Float32, [.. Enumerable.Range(0, 12).Select(i => 1 + (0.1 * i))], 3, 4);
        IvyArray b = A.F(DType.Float32, [.. Enumerable.Range(0, 12).Select(i => 0.01 * i)], 3, 4);
        var layer = affine
            ? new LayerNorm([3, 4], eps: 1e-3, newStd: 2, v: new Container { ["weight"] = w, ["bias"] = b })
            : new LayerNorm([3, 4], eps: 1e-3, elementwiseAffine: false, newStd: 2);
        IvyArray x = A.F(DType.Float32, [.. Enumerable.Range(0, 2 * 3 * 4).Select(i => Math.Cos(i) * 5)], 2, 3, 4);
        IvyArray expected = affine ? Ivy.LayerNorm(x, [-1, -2], w, b, 1e-3, 2) : Ivy.LayerNorm(x, [-2, -1], eps: 1e-3, newStd: 2);
        Assert.Equal(A.D(expected), A.D(layer.Forward(x)));
    }

    [Theory, MemberData(nameof(KernelVariants.Theory), MemberType = typeof(KernelVariants))]
    public void Prepared_variables_give_Ivy_LayerNorms_bits_in_every_dtype_and_follow_SetVariables(string variant)
    {
        // The layer hands the kernel float64 copies of weight and bias made when the variables were set; the result
        // must be the function's, bit for bit, and replacing the variables must replace the copies.
        using IDisposable pin = KernelVariants.Use(variant);
        var random = new Random(7);
        foreach (DType dtype in new[] { DType.Float16, DType.Float32, DType.Float64 })
        {
            IvyArray Random(params int[] shape) =>
                A.F(dtype, [.. Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (random.NextDouble() * 4) - 2)], shape);
            IvyArray w = Random(384), b = Random(384), x = Random(5, 7, 384);
            var layer = new LayerNorm([384], dtype: dtype, v: new Container { ["weight"] = w, ["bias"] = b });
            Assert.Equal(A.D(Ivy.LayerNorm(x, [-1], w, b)), A.D(layer.Forward(x)));

            IvyArray w2 = Random(384), b2 = Random(384);
            layer.SetVariables(new Container { ["weight"] = w2, ["bias"] = b2 });
            Assert.Equal(A.D(Ivy.LayerNorm(x, [-1], w2, b2)), A.D(layer.Forward(x)));
        }
    }

    [Fact]
    public void Forward_checks_the_trailing_shape_even_without_affine_variables()
    {
        var layer = new LayerNorm([4], elementwiseAffine: false);
        var ex = Assert.ThrowsAny<ArgumentException>(() => layer.Forward(A.F(DType.Float32, new double[6], 2, 3)));
        Assert.Equal("x", ex.ParamName);
        Assert.Contains("(4,)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_are_validated_and_replaced_at_once()
    {
        var layer = new LayerNorm([2]);
        IvyArray w = A.F(DType.Float32, [2, 3], 2), b = A.F(DType.Float32, [1, 1], 2);
        layer.SetVariables(new Container { ["weight"] = w, ["bias"] = b });
        Assert.Same(w, layer.Weight);
        Assert.Same(b, layer.Bias);
        var bad = new Container { ["weight"] = A.F(DType.Float32, [1, 2, 3], 3), ["bias"] = b };
        var ex = Assert.ThrowsAny<ArgumentException>(() => layer.V = bad);
        Assert.Equal("v", ex.ParamName);
        Assert.Contains("'weight' must be normalizedShape = (2,)", ex.Message, StringComparison.Ordinal);
        Assert.Same(w, layer.Weight);
        Assert.Equal("v", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([2], elementwiseAffine: false, v: new Container { ["weight"] = w })).ParamName);
    }

    [Fact]
    public void Constructor_arguments_are_checked()
    {
        Assert.Equal("normalizedShape", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([])).ParamName);
        Assert.Equal("normalizedShape", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([3, -1])).ParamName);
        Assert.Equal("normalizedShape", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm(null!)).ParamName);
        Assert.Equal("eps", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([3], eps: -1)).ParamName);
        Assert.Equal("newStd", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([3], newStd: double.NaN)).ParamName);
        Assert.Equal("dtype", Assert.ThrowsAny<ArgumentException>(() => new LayerNorm([3], dtype: (DType)42)).ParamName);
    }
}
