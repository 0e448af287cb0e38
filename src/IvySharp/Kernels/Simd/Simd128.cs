using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IvySharp.Kernels.Simd;

// Simd512, Simd256 and Simd128 share one shape; only the register type differs. float and double are
// told apart with typeof checks, which the JIT folds away per instantiation.

/// <summary>The engine on <see cref="Vector128{T}"/>.</summary>
internal readonly struct Simd128<T> : ISimd<T, Vector128<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    public static Vector128<T> Indices => Vector128<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Splat(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref T source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MaxNative(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Round(a.AsSingle()).As<float, T>();
        return Vector128.Round(a.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ScaleByPowerOfTwo(Vector128<T> p, Vector128<T> n)
    {
        // AVX-512's scale instruction (p · 2^⌊n⌋, IEEE underflow/overflow) does it in one step.
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float)) return Avx512F.VL.Scale(p.AsSingle(), n.AsSingle()).As<float, T>();
            return Avx512F.VL.Scale(p.AsDouble(), n.AsDouble()).As<double, T>();
        }

        // 2ⁿ in two exact factors 2^⌊n/2⌋ · 2^⌈n/2⌉, each built in the exponent field: the range then
        // covers results down to the subnormals (one rounding, in the last multiply) and up to overflow.
        if (typeof(T) == typeof(float))
        {
            Vector128<int> whole = Vector128.ConvertToInt32Native(n.AsSingle());
            Vector128<int> half = Vector128.ShiftRightArithmetic(whole, 1);
            Vector128<float> first = Vector128.ShiftLeft(half + Vector128.Create(127), 23).AsSingle();
            Vector128<float> second = Vector128.ShiftLeft(whole - half + Vector128.Create(127), 23).AsSingle();
            return (p.AsSingle() * first * second).As<float, T>();
        }
        else
        {
            Vector128<long> whole = Vector128.ConvertToInt64Native(n.AsDouble());
            Vector128<long> half = Vector128.ShiftRightArithmetic(whole, 1);
            Vector128<double> first = Vector128.ShiftLeft(half + Vector128.Create(1023L), 52).AsDouble();
            Vector128<double> second = Vector128.ShiftLeft(whole - half + Vector128.Create(1023L), 52).AsDouble();
            return (p.AsDouble() * first * second).As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LessThan(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Equals(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Or(Vector128<T> a, Vector128<T> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Select(Vector128<T> mask, Vector128<T> ifTrue, Vector128<T> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Vector128<T> mask) => mask.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);
}
