namespace IvySharp.Layers;

/// <summary>
/// Ivy's default weight initialiser (<c>ivy.GlorotUniform</c>): each element uniform in ±√(6 / (fan_in + fan_out)),
/// for a weight of shape (fan_out, fan_in). Biases start at zero (<c>ivy.Zeros</c>).
/// </summary>
internal static class GlorotUniform
{
    /// <summary>A (fanOut, fanIn) weight of <paramref name="dtype"/> drawn from <paramref name="random"/>.</summary>
    public static IvyArray Weight(Random random, int fanOut, int fanIn, DType dtype)
    {
        double limit = fanIn + fanOut == 0 ? 0 : Math.Sqrt(6.0 / (fanIn + fanOut));
        var values = new double[checked(fanOut * fanIn)];
        for (int i = 0; i < values.Length; i++) values[i] = ((2 * random.NextDouble()) - 1) * limit;
        return Cast(values, dtype, fanOut, fanIn);
    }

    /// <summary>A zero vector of <paramref name="length"/> in <paramref name="dtype"/>.</summary>
    public static IvyArray Zeros(int length, DType dtype) => IvyArray.Zeros(dtype, length);

    /// <summary>The random source of a layer: seeded (reproducible across runs and machines) or shared.</summary>
    public static Random Source(int? seed) => seed is { } s ? new Random(s) : Random.Shared;

    private static IvyArray Cast(double[] values, DType dtype, params int[] shape) => dtype switch
    {
        DType.Float64 => IvyArray.From(values, shape),
        DType.Float32 => IvyArray.From(Array.ConvertAll(values, v => (float)v), shape),
        DType.Float16 => IvyArray.From(Array.ConvertAll(values, v => (Half)v), shape),
        _ => throw new ArgumentException($"Layer variables are floating; got dtype {dtype}.", nameof(dtype)),
    };
}
