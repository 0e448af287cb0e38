using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>How a dtype's elements are read and written on the device (float16 as its bits, bool as a byte).</summary>
internal interface IElement<TElement>
    where TElement : unmanaged
{
    static abstract double ToDouble(TElement x);

    static abstract TElement FromDouble(double x);
}

internal readonly struct HalfElement : IElement<ushort>
{
    public static double ToDouble(ushort x) => HalfBits.ToFloat(x);

    // Every value reaching a float16 array is a float-computed result or another float16, so going through float
    // rounds once; a float64 value (an @out of float16 for a float64 call) is rounded twice, as float then half.
    public static ushort FromDouble(double x) => HalfBits.FromFloat((float)x);
}

internal readonly struct FloatElement : IElement<float>
{
    public static double ToDouble(float x) => x;

    public static float FromDouble(double x) => (float)x;
}

internal readonly struct DoubleElement : IElement<double>
{
    public static double ToDouble(double x) => x;

    public static double FromDouble(double x) => x;
}

internal readonly struct BoolElement : IElement<byte>
{
    public static double ToDouble(byte x) => x != 0 ? 1.0 : 0.0;

    // x != 0 is also true for NaN, as ElementConvert on the host.
    public static byte FromDouble(double x) => x != 0 ? (byte)1 : (byte)0;
}

/// <summary>Element-wise conversions between device arrays (dtype changes, masks into their final form).</summary>
internal static class ConvertKernels
{
    /// <summary>destination[i] = source[i] converted.</summary>
    public static void Convert<TFrom, TFromElement, TTo, TToElement>(Index1D i, ArrayView<TFrom> source, ArrayView<TTo> destination)
        where TFrom : unmanaged
        where TFromElement : struct, IElement<TFrom>
        where TTo : unmanaged
        where TToElement : struct, IElement<TTo>
    {
        destination[i] = TToElement.FromDouble(TFromElement.ToDouble(source[i]));
    }

    /// <summary>A boolean mask (true = masked out) as compute-type values: −∞ where true, 0 elsewhere.</summary>
    public static void BoolToMask<T, TMath>(Index1D i, ArrayView<byte> source, ArrayView<T> destination)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        destination[i] = source[i] != 0 ? TMath.NegativeInfinity : T.Zero;
    }
}
