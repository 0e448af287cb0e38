using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IvySharp.Kernels.Simd;

// Simd512, Simd256 and Simd128 share one shape; only the register type differs. float and double are
// told apart with typeof checks, which the JIT folds away per instantiation.

/// <summary>The engine on <see cref="Vector256{T}"/>.</summary>
internal readonly struct Simd256<T> : ISimd<T, Vector256<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    public static Vector256<T> Indices => Vector256<T>.Indices;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Splat(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref T source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MaxNative(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Round(a.AsSingle()).As<float, T>();
        return Vector256.Round(a.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleByPowerOfTwo(Vector256<T> p, Vector256<T> n)
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
            Vector256<int> whole = Vector256.ConvertToInt32Native(n.AsSingle());
            Vector256<int> half = Vector256.ShiftRightArithmetic(whole, 1);
            Vector256<float> first = Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle();
            Vector256<float> second = Vector256.ShiftLeft(whole - half + Vector256.Create(127), 23).AsSingle();
            return (p.AsSingle() * first * second).As<float, T>();
        }
        else
        {
            Vector256<long> whole = Vector256.ConvertToInt64Native(n.AsDouble());
            Vector256<long> half = Vector256.ShiftRightArithmetic(whole, 1);
            Vector256<double> first = Vector256.ShiftLeft(half + Vector256.Create(1023L), 52).AsDouble();
            Vector256<double> second = Vector256.ShiftLeft(whole - half + Vector256.Create(1023L), 52).AsDouble();
            return (p.AsDouble() * first * second).As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Equals(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Or(Vector256<T> a, Vector256<T> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Select(Vector256<T> mask, Vector256<T> ifTrue, Vector256<T> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Vector256<T> mask) => mask.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Vector256.Sum(value);
}
