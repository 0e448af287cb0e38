using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IvySharp.Kernels.Simd;

// Simd512, Simd256 and Simd128 share one shape; only the register type differs. float and double are
// told apart with typeof checks, which the JIT folds away per instantiation.

/// <summary>The engine on <see cref="Vector512{T}"/>.</summary>
internal readonly struct Simd512<T> : ISimd<T, Vector512<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    public static Vector512<T> Zero => Vector512<T>.Zero;

    public static Vector512<T> Indices => Vector512<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Splat(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxNative(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Round(a.AsSingle()).As<float, T>();
        return Vector512.Round(a.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleByPowerOfTwo(Vector512<T> p, Vector512<T> n)
    {
        // AVX-512's scale instruction (p · 2^⌊n⌋, IEEE underflow/overflow) does it in one step.
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.Scale(p.AsSingle(), n.AsSingle()).As<float, T>();
            return Avx512F.Scale(p.AsDouble(), n.AsDouble()).As<double, T>();
        }

        // 2ⁿ in two exact factors 2^⌊n/2⌋ · 2^⌈n/2⌉, each built in the exponent field: the range then
        // covers results down to the subnormals (one rounding, in the last multiply) and up to overflow.
        if (typeof(T) == typeof(float))
        {
            Vector512<int> whole = Vector512.ConvertToInt32Native(n.AsSingle());
            Vector512<int> half = Vector512.ShiftRightArithmetic(whole, 1);
            Vector512<float> first = Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
            Vector512<float> second = Vector512.ShiftLeft(whole - half + Vector512.Create(127), 23).AsSingle();
            return (p.AsSingle() * first * second).As<float, T>();
        }
        else
        {
            Vector512<long> whole = Vector512.ConvertToInt64Native(n.AsDouble());
            Vector512<long> half = Vector512.ShiftRightArithmetic(whole, 1);
            Vector512<double> first = Vector512.ShiftLeft(half + Vector512.Create(1023L), 52).AsDouble();
            Vector512<double> second = Vector512.ShiftLeft(whole - half + Vector512.Create(1023L), 52).AsDouble();
            return (p.AsDouble() * first * second).As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Equals(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Select(Vector512<T> mask, Vector512<T> ifTrue, Vector512<T> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Vector512<T> mask) => mask.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Vector512.Sum(value);
}
