using System.Numerics.Tensors;

namespace IvySharp.Internal;

/// <summary>Element-type conversions between the four supported dtypes, vectorised where the BCL is.</summary>
internal static class ElementConvert
{
    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, converting each element.</summary>
    /// <remarks>Floating → floating rounds to nearest; floating → bool is <c>x != 0</c> (NaN is true); bool → floating is 0 or 1.</remarks>
    public static void Copy<TFrom, TTo>(ReadOnlySpan<TFrom> source, Span<TTo> destination)
    {
        if (typeof(TFrom) == typeof(TTo))
        {
            Cast<TFrom, TTo>(source).CopyTo(destination);
            return;
        }

        if (typeof(TFrom) == typeof(float))
        {
            var s = Cast<TFrom, float>(source);
            if (typeof(TTo) == typeof(double)) { TensorPrimitives.ConvertChecked(s, CastW<TTo, double>(destination)); return; }
            if (typeof(TTo) == typeof(Half)) { TensorPrimitives.ConvertToHalf(s, CastW<TTo, Half>(destination)); return; }
        }
        else if (typeof(TFrom) == typeof(double))
        {
            var s = Cast<TFrom, double>(source);
            if (typeof(TTo) == typeof(float)) { TensorPrimitives.ConvertTruncating(s, CastW<TTo, float>(destination)); return; }
            if (typeof(TTo) == typeof(Half))
            {
                var d = CastW<TTo, Half>(destination);
                for (int i = 0; i < s.Length; i++) d[i] = (Half)s[i];
                return;
            }
        }
        else if (typeof(TFrom) == typeof(Half))
        {
            var s = Cast<TFrom, Half>(source);
            if (typeof(TTo) == typeof(float)) { TensorPrimitives.ConvertToSingle(s, CastW<TTo, float>(destination)); return; }
            if (typeof(TTo) == typeof(double))
            {
                var d = CastW<TTo, double>(destination);
                for (int i = 0; i < s.Length; i++) d[i] = (double)s[i];
                return;
            }
        }

        // bool on either side: element by element through double.
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = FromDouble<TTo>(ToDouble(source[i]));
        }
    }

    public static double ToDouble<T>(T value)
    {
        if (typeof(T) == typeof(float)) return (float)(object)value!;
        if (typeof(T) == typeof(double)) return (double)(object)value!;
        if (typeof(T) == typeof(Half)) return (double)(Half)(object)value!;
        if (typeof(T) == typeof(bool)) return (bool)(object)value! ? 1.0 : 0.0;
        throw new NotSupportedException(typeof(T).Name);
    }

    public static T FromDouble<T>(double value)
    {
        if (typeof(T) == typeof(float)) return (T)(object)(float)value;
        if (typeof(T) == typeof(double)) return (T)(object)value;
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)value;
        if (typeof(T) == typeof(bool)) return (T)(object)(value != 0.0);
        throw new NotSupportedException(typeof(T).Name);
    }

    private static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> span) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
            ref System.Runtime.CompilerServices.Unsafe.As<TFrom, TTo>(
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span)), span.Length);

    private static Span<TTo> CastW<TFrom, TTo>(Span<TFrom> span) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.CompilerServices.Unsafe.As<TFrom, TTo>(
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span)), span.Length);
}
