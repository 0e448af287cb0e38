using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>
/// Every error rule of Ivy.Linear, Ivy.LayerNorm and Ivy.Gelu: the call throws an <see cref="ArgumentException"/>
/// whose <see cref="ArgumentException.ParamName"/> is the C# parameter and whose message holds the expected and the
/// given values; <c>@out</c> still holds its sentinel and no input changed. Each case breaks one rule of a valid call
/// (x (2, 3, 4) float32, weight (5, 4), bias (5,), layer norm over [-1] with scale/offset (4,)).
/// </summary>
public sealed class OpErrorRuleTests
{
    private const double Sentinel = 1234;

    private static IvyArray F(params int[] shape) => A.F(DType.Float32, [.. Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(i => Math.Sin(i))], shape);

    private static IvyArray Of(DType dtype, params int[] shape) =>
        dtype == DType.Bool ? IvyArray.Zeros(DType.Bool, shape) : A.F(dtype, [.. Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(i => Math.Cos(i))], shape);

    public static TheoryData<string, string, string[]> Cases() => new()
    {
        // Linear
        { "linear x bool", "x", ["float16, float32 or float64", "bool"] },
        { "linear x rank 0", "x", ["at least one axis", "rank-0"] },
        { "linear weight rank 1", "weight", ["(out_features, in_features)", "in_features = 4", "(20,)"] },
        { "linear weight in mismatch", "weight", ["in_features = 4", "(5, 3)"] },
        { "linear weight dtype", "weight", ["x's dtype float32", "float64"] },
        { "linear bias shape", "bias", ["(5,)", "(4,)"] },
        { "linear bias rank 2", "bias", ["(5,)", "(1, 5)"] },
        { "linear bias dtype", "bias", ["float32", "float16"] },
        { "linear out shape", "out", ["(2, 3, 5)", "(2, 3, 4)"] },
        { "linear out bool", "out", ["floating dtype", "bool"] },
        { "linear out broadcast", "out", ["share memory", "(2, 3, 5)"] },
        // LayerNorm
        { "layer-norm x bool", "x", ["float16, float32 or float64", "bool"] },
        { "layer-norm idxs empty", "normalizedIdxs", ["at least one axis", "[]"] },
        { "layer-norm idxs too large", "normalizedIdxs", ["[-3, 3)", "got 3"] },
        { "layer-norm idxs too small", "normalizedIdxs", ["[-3, 3)", "got -4"] },
        { "layer-norm idxs duplicate", "normalizedIdxs", ["twice", "axis 2"] },
        { "layer-norm scale shape", "scale", ["broadcast to x's shape (2, 3, 4)", "(4,)", "(3,)"] },
        { "layer-norm scale too many axes", "scale", ["(2, 3, 4)", "(1, 2, 3, 4)"] },
        { "layer-norm scale dtype", "scale", ["float32", "float64"] },
        { "layer-norm offset shape", "offset", ["broadcast", "(3, 1)", "(2, 4)"] },
        { "layer-norm offset dtype", "offset", ["float32", "float16"] },
        { "layer-norm eps negative", "eps", ["≥ 0", "-1"] },
        { "layer-norm eps NaN", "eps", ["finite", "NaN"] },
        { "layer-norm newStd infinite", "newStd", ["finite", "Infinity"] },
        { "layer-norm out shape", "out", ["(2, 3, 4)", "(2, 3)"] },
        { "layer-norm out bool", "out", ["floating dtype", "bool"] },
        // Gelu
        { "gelu x bool", "x", ["float16, float32 or float64", "bool"] },
        { "gelu out shape", "out", ["(2, 3, 4)", "(24,)"] },
        { "gelu out bool", "out", ["floating dtype", "bool"] },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Each_rule_names_its_parameter_and_writes_nothing(string rule, string paramName, string[] fragments)
    {
        IvyArray x = F(2, 3, 4), weight = F(5, 4), bias = F(5), scale = F(4), offset = F(4);
        IvyArray output = A.F(DType.Float32, [.. Enumerable.Repeat(Sentinel, rule.StartsWith("linear", StringComparison.Ordinal) ? 30 : 24)], rule.StartsWith("linear", StringComparison.Ordinal) ? [2, 3, 5] : [2, 3, 4]);
        IvyArray[] inputs = [x, weight, bias, scale, offset];
        double[][] before = [.. inputs.Select(A.D)];
        Action call = rule switch
        {
            "linear x bool" => () => Ivy.Linear(Of(DType.Bool, 2, 3, 4), weight, bias, output),
            "linear x rank 0" => () => Ivy.Linear(IvyArray.Zeros(DType.Float32), weight, bias, output),
            "linear weight rank 1" => () => Ivy.Linear(x, F(20), bias, output),
            "linear weight in mismatch" => () => Ivy.Linear(x, F(5, 3), bias, output),
            "linear weight dtype" => () => Ivy.Linear(x, Of(DType.Float64, 5, 4), bias, output),
            "linear bias shape" => () => Ivy.Linear(x, weight, F(4), output),
            "linear bias rank 2" => () => Ivy.Linear(x, weight, F(1, 5), output),
            "linear bias dtype" => () => Ivy.Linear(x, weight, Of(DType.Float16, 5), output),
            "linear out shape" => () => Ivy.Linear(x, weight, bias, F(2, 3, 4)),
            "linear out bool" => () => Ivy.Linear(x, weight, bias, IvyArray.Zeros(DType.Bool, 2, 3, 5)),
            "linear out broadcast" => () => Ivy.Linear(x, weight, bias, System.Numerics.Tensors.Tensor.Create(new float[5], 0, [2, 3, 5], [0, 0, 1])),
            "layer-norm x bool" => () => Ivy.LayerNorm(Of(DType.Bool, 2, 3, 4), [-1], @out: output),
            "layer-norm idxs empty" => () => Ivy.LayerNorm(x, [], scale, offset, @out: output),
            "layer-norm idxs too large" => () => Ivy.LayerNorm(x, [-1, 3], scale, offset, @out: output),
            "layer-norm idxs too small" => () => Ivy.LayerNorm(x, [-4], scale, offset, @out: output),
            "layer-norm idxs duplicate" => () => Ivy.LayerNorm(x, [2, -1], scale, offset, @out: output),
            "layer-norm scale shape" => () => Ivy.LayerNorm(x, [-1], F(3), offset, @out: output),
            "layer-norm scale too many axes" => () => Ivy.LayerNorm(x, [-1], F(1, 2, 3, 4), offset, @out: output),
            "layer-norm scale dtype" => () => Ivy.LayerNorm(x, [-1], Of(DType.Float64, 4), offset, @out: output),
            "layer-norm offset shape" => () => Ivy.LayerNorm(x, [1], F(3, 1), F(2, 4), @out: output),
            "layer-norm offset dtype" => () => Ivy.LayerNorm(x, [-1], scale, Of(DType.Float16, 4), @out: output),
            "layer-norm eps negative" => () => Ivy.LayerNorm(x, [-1], scale, offset, eps: -1, @out: output),
            "layer-norm eps NaN" => () => Ivy.LayerNorm(x, [-1], scale, offset, eps: double.NaN, @out: output),
            "layer-norm newStd infinite" => () => Ivy.LayerNorm(x, [-1], scale, offset, newStd: double.PositiveInfinity, @out: output),
            "layer-norm out shape" => () => Ivy.LayerNorm(x, [-1], scale, offset, @out: F(2, 3)),
            "layer-norm out bool" => () => Ivy.LayerNorm(x, [-1], scale, offset, @out: IvyArray.Zeros(DType.Bool, 2, 3, 4)),
            "gelu x bool" => () => Ivy.Gelu(Of(DType.Bool, 2, 3, 4), @out: output),
            "gelu out shape" => () => Ivy.Gelu(x, @out: F(24)),
            "gelu out bool" => () => Ivy.Gelu(x, @out: IvyArray.Zeros(DType.Bool, 2, 3, 4)),
            _ => throw new ArgumentException(rule),
        };

        var ex = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(paramName, ex.ParamName);
        foreach (string fragment in fragments) Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.All(A.D(output), v => Assert.Equal(Sentinel, v));
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(before[i], A.D(inputs[i]));
    }

    [Fact]
    public void Null_arrays_are_ArgumentNullExceptions_naming_the_parameter()
    {
        IvyArray x = F(2, 4);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Ivy.Linear(null!, F(3, 4))).ParamName);
        Assert.Equal("weight", Assert.Throws<ArgumentNullException>(() => Ivy.Linear(x, null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Ivy.LayerNorm(null!, [-1])).ParamName);
        Assert.Equal("normalizedIdxs", Assert.Throws<ArgumentNullException>(() => Ivy.LayerNorm(x, null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Ivy.Gelu(null!)).ParamName);
    }
}
