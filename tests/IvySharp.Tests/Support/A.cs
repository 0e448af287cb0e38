namespace IvySharp.Tests.Support;

/// <summary>Short array factories for tests.</summary>
public static class A
{
    /// <summary>A floating array of <paramref name="dtype"/> holding <paramref name="values"/> (rounded to the dtype).</summary>
    public static IvyArray F(DType dtype, double[] values, params int[] shape) => dtype switch
    {
        DType.Float32 => IvyArray.From(values.Select(v => (float)v).ToArray(), shape),
        DType.Float64 => IvyArray.From((double[])values.Clone(), shape),
        DType.Float16 => IvyArray.From(values.Select(v => (Half)v).ToArray(), shape),
        _ => throw new ArgumentException("not floating", nameof(dtype)),
    };

    /// <summary>A bool array.</summary>
    public static IvyArray B(bool[] values, params int[] shape) => IvyArray.From((bool[])values.Clone(), shape);

    /// <summary>The elements as doubles, row-major.</summary>
    public static double[] D(IvyArray a) => a.ToArray<double>();
}
