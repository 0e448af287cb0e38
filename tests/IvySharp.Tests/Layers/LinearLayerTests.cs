using IvySharp.Layers;
using IvySharp.Tests.Reliability;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Layers;

/// <summary>Layers.Linear: initialisation, the variables container, validation of given variables, Forward's bits.</summary>
public sealed class LinearLayerTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float16)]
    public void New_variables_are_glorot_uniform_weights_and_zero_bias(DType dtype)
    {
        var layer = new Linear(64, 32, dtype: dtype, seed: 7);
        Assert.Equal([32, 64], layer.W.Shape);
        Assert.Equal([32], layer.B!.Shape);
        Assert.Equal(dtype, layer.W.DType);
        Assert.Equal(dtype, layer.B.DType);
        double limit = Math.Sqrt(6.0 / (64 + 32));
        double[] w = A.D(layer.W);
        Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, limit * (1 + 1e-3)));
        Assert.True(w.Max() > 0.9 * limit && w.Min() < -0.9 * limit, "the draw should span the interval");
        Assert.True(Math.Abs(w.Average()) < 0.05 * limit);
        Assert.All(A.D(layer.B), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_others()
    {
        Assert.Equal(A.D(new Linear(5, 3, seed: 1).W), A.D(new Linear(5, 3, seed: 1).W));
        Assert.NotEqual(A.D(new Linear(5, 3, seed: 1).W), A.D(new Linear(5, 3, seed: 2).W));
    }

    [Fact]
    public void V_holds_Ivys_names_and_the_layers_own_arrays()
    {
        var layer = new Linear(4, 2, seed: 3);
        Container v = layer.V;
        Assert.Equal(["w", "b"], v.Keys);
        Assert.Same(layer.W, v["w"].AsArray());
        Assert.Same(layer.B, v["b"].AsArray());
        Assert.Equal(["w"], new Linear(4, 2, withBias: false).V.Keys);
        Assert.Null(new Linear(4, 2, withBias: false).B);
    }

    [Fact]
    public void Given_variables_are_used_as_they_are()
    {
        IvyArray w = A.F(DType.Float64, [1, 2, 3, 4, 5, 6], 2, 3), b = A.F(DType.Float64, [0.5, -0.5], 2);
        var layer = new Linear(3, 2, dtype: DType.Float64, v: new Container { ["w"] = w, ["b"] = b });
        Assert.Same(w, layer.W);
        Assert.Equal([14.5, 31.5], A.D(layer.Forward(A.F(DType.Float64, [1, 2, 3], 1, 3))));
    }

    [Fact]
    public void Forward_gives_the_bits_of_Ivy_Linear_on_every_variant()
    {
        var layer = new Linear(33, 17, seed: 11);
        IvyArray x = A.F(DType.Float32, [.. Enumerable.Range(0, 5 * 33).Select(i => Math.Sin(i))], 5, 33);
        foreach (string variant in KernelVariants.Supported)
        {
            using (KernelVariants.Use(variant))
            {
                Assert.Equal(A.D(Ivy.Linear(x, layer.W, layer.B)), A.D(layer.Forward(x)));
            }
        }

        IvyArray output = IvyArray.Zeros(DType.Float64, 5, 17);
        Assert.Same(output, layer.Forward(x, output));
        Assert.Equal(A.D(Ivy.Linear(x, layer.W, layer.B)), A.D(output));
    }

    [Fact]
    public void Setting_V_replaces_the_variables_after_checking_them()
    {
        var layer = new Linear(3, 2, seed: 5);
        IvyArray w = A.F(DType.Float32, [1, 0, 0, 0, 1, 0], 2, 3), b = A.F(DType.Float32, [1, 1], 2);
        layer.V = new Container { ["w"] = w, ["b"] = b };
        Assert.Same(w, layer.W);
        Assert.Equal([2.0, 3], A.D(layer.Forward(A.F(DType.Float32, [1, 2, 3], 3))));
    }

    public static TheoryData<string, string[]> BadVariables() => new()
    {
        { "missing w", ["no 'w'", "(outputChannels, inputChannels) = (2, 3)"] },
        { "missing b", ["no 'b'", "(2,)"] },
        { "extra key", ["'extra'", "does not have"] },
        { "w shape", ["'w' must be (outputChannels, inputChannels) = (2, 3)", "(3, 2)"] },
        { "b shape", ["'b' must be (outputChannels,) = (2,)", "(3,)"] },
        { "w dtype", ["'w' must have the layer's dtype float32", "float64"] },
        { "w is a container", ["'w' must be an array", "Container"] },
    };

    [Theory, MemberData(nameof(BadVariables))]
    public void Bad_variables_are_rejected_naming_v_and_leave_the_layer_unchanged(string what, string[] fragments)
    {
        IvyArray w = A.F(DType.Float32, [1, 2, 3, 4, 5, 6], 2, 3), b = A.F(DType.Float32, [0, 0], 2);
        Container v = what switch
        {
            "missing w" => new Container { ["b"] = b },
            "missing b" => new Container { ["w"] = w },
            "extra key" => new Container { ["w"] = w, ["b"] = b, ["extra"] = b },
            "w shape" => new Container { ["w"] = A.F(DType.Float32, [1, 2, 3, 4, 5, 6], 3, 2), ["b"] = b },
            "b shape" => new Container { ["w"] = w, ["b"] = A.F(DType.Float32, [0, 0, 0], 3) },
            "w dtype" => new Container { ["w"] = A.F(DType.Float64, [1, 2, 3, 4, 5, 6], 2, 3), ["b"] = b },
            _ => new Container { ["w/inner"] = w, ["b"] = b },
        };

        var ex = Assert.ThrowsAny<ArgumentException>(() => new Linear(3, 2, v: v));
        Assert.Equal("v", ex.ParamName);
        foreach (string f in fragments) Assert.Contains(f, ex.Message, StringComparison.Ordinal);

        var layer = new Linear(3, 2, seed: 9);
        IvyArray before = layer.W;
        Assert.Equal("v", Assert.ThrowsAny<ArgumentException>(() => layer.SetVariables(v)).ParamName);
        Assert.Equal("v", Assert.ThrowsAny<ArgumentException>(() => layer.V = v).ParamName);
        Assert.Same(before, layer.W);
    }

    [Fact]
    public void Constructor_arguments_are_checked()
    {
        Assert.Equal("inputChannels", Assert.ThrowsAny<ArgumentException>(() => new Linear(-1, 2)).ParamName);
        Assert.Equal("outputChannels", Assert.ThrowsAny<ArgumentException>(() => new Linear(2, -1)).ParamName);
        Assert.Equal("dtype", Assert.ThrowsAny<ArgumentException>(() => new Linear(2, 2, dtype: DType.Bool)).ParamName);
        Assert.Equal("inputChannels", Assert.ThrowsAny<ArgumentException>(() => new Linear(1 << 20, 1 << 20)).ParamName);
        Assert.Equal("v", Assert.ThrowsAny<ArgumentException>(() => new Linear(3, 2, withBias: false, v: new Container { ["w"] = A.F(DType.Float32, new double[6], 2, 3), ["b"] = A.F(DType.Float32, [0, 0], 2) })).ParamName);
        Assert.Equal([0, 0], new Linear(0, 0).W.Shape);
    }

    [Fact]
    public void Forward_rejects_an_input_of_the_wrong_width_naming_weight()
    {
        var layer = new Linear(3, 2, seed: 1);
        var ex = Assert.ThrowsAny<ArgumentException>(() => layer.Forward(A.F(DType.Float32, [1, 2], 2)));
        Assert.Equal("weight", ex.ParamName);
        Assert.Contains("in_features = 2", ex.Message, StringComparison.Ordinal);
    }
}
