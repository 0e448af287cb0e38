namespace IvySharp.Tests.Containers;

/// <summary>Seeded random arrays and the assertions the container tests share.</summary>
internal static class Fixtures
{
    /// <summary>A float32 (or <paramref name="dtype"/>) array of the given shape, values in [-1, 1) from <paramref name="seed"/>.</summary>
    public static IvyArray R(int seed, int[] shape, DType dtype = DType.Float32)
    {
        var random = new Random(seed);
        int size = shape.Aggregate(1, (a, b) => a * b);
        double[] values = Enumerable.Range(0, size).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
        return Support.A.F(dtype, values, shape);
    }

    public static IvyArray R(int seed, params int[] shape) => R(seed, shape, DType.Float32);

    /// <summary>A bool mask from <paramref name="seed"/> with roughly a quarter masked out.</summary>
    public static IvyArray Mask(int seed, params int[] shape)
    {
        var random = new Random(seed);
        int size = shape.Aggregate(1, (a, b) => a * b);
        return IvyArray.From(Enumerable.Range(0, size).Select(_ => random.NextDouble() < 0.25).ToArray(), shape);
    }

    /// <summary>A new array with the same dtype, shape and values (a different object and memory).</summary>
    public static IvyArray Copy(IvyArray a) => a.DType switch
    {
        DType.Float16 => IvyArray.From(a.ToArray<Half>(), a.Shape),
        DType.Float32 => IvyArray.From(a.ToArray<float>(), a.Shape),
        DType.Float64 => IvyArray.From(a.ToArray<double>(), a.Shape),
        _ => IvyArray.From(a.ToArray<bool>(), a.Shape),
    };

    /// <summary>Same shape, same dtype, bit-identical values (the leaf call and the separate call run the same code).</summary>
    public static void Same(IvyArray expected, ContainerValue actual) => Same(expected, actual.AsArray());

    public static void Same(IvyArray expected, IvyArray actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.ToArray<double>(), actual.ToArray<double>());
    }

    public static void Structure(IEnumerable<string> expectedKeyChains, Container actual) =>
        Assert.Equal(expectedKeyChains, actual.KeyChains);

    /// <summary>Every element of <paramref name="a"/> equals <paramref name="value"/> (an untouched sentinel).</summary>
    public static void Filled(double value, IvyArray a) => Assert.All(a.ToArray<double>(), x => Assert.Equal(value, x));

    public static IvyArray Full(double value, DType dtype, params int[] shape)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        return Support.A.F(dtype, Enumerable.Repeat(value, size).ToArray(), shape);
    }
}
