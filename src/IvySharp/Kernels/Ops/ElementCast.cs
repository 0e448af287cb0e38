using System.Runtime.CompilerServices;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Float16 / float32 / float64 elements to and from float64 without boxing: the typeof tests are JIT-time
/// constants, so each instantiation keeps one conversion. Widening is exact; narrowing rounds to nearest
/// even, once (float64 → float16 directly, never through float32).
/// </summary>
internal static class ElementCast
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T value)
    {
        if (typeof(T) == typeof(double)) return Unsafe.As<T, double>(ref value);
        if (typeof(T) == typeof(float)) return Unsafe.As<T, float>(ref value);
        if (typeof(T) == typeof(Half)) return (double)Unsafe.As<T, Half>(ref value);
        throw new NotSupportedException(typeof(T).Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromDouble<T>(double value)
    {
        if (typeof(T) == typeof(double)) return Unsafe.As<double, T>(ref value);
        if (typeof(T) == typeof(float))
        {
            float f = (float)value;
            return Unsafe.As<float, T>(ref f);
        }

        if (typeof(T) == typeof(Half))
        {
            var h = (Half)value;
            return Unsafe.As<Half, T>(ref h);
        }

        throw new NotSupportedException(typeof(T).Name);
    }
}
