using System.Numerics;
using System.Runtime.CompilerServices;

namespace IvySharp.Kernels.Simd;

/// <summary>
/// The scalar width: one lane, plain IEEE arithmetic, the fallback every processor runs. Masks are 1 (set) or 0.
/// Hand-written, unlike the vector widths; its shape is generated with theirs (ScalarSimd.Generated.cs).
/// </summary>
internal readonly unsafe partial struct ScalarSimd<T> : ISimd<T, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;

    public static T Zero => T.Zero;

    public static T Indices => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Splat(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref T source, nint offset) => Unsafe.Add(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(T* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, T* destination) => *destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T a, T b) => a + b;

    public static T Subtract(T a, T b) => a - b;

    public static T Multiply(T a, T b) => a * b;

    public static T Divide(T a, T b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => T.FusedMultiplyAdd(a, b, c);

    public static T MaxNative(T a, T b) => a > b ? a : b;

    public static T Round(T a) => T.Round(a, MidpointRounding.ToEven);

    public static T ScaleByPowerOfTwo(T p, T n) => T.IsNaN(n) ? n : T.ScaleB(p, int.CreateSaturating(n));

    public static T LessThan(T a, T b) => a < b ? T.One : T.Zero;

    public static T GreaterThan(T a, T b) => a > b ? T.One : T.Zero;

    public static T Equals(T a, T b) => a == b ? T.One : T.Zero;

    public static T Or(T a, T b) => a != T.Zero || b != T.Zero ? T.One : T.Zero;

    public static T Select(T mask, T ifTrue, T ifFalse) => mask != T.Zero ? ifTrue : ifFalse;

    public static bool Any(T mask) => mask != T.Zero;

    public static T Sum(T value) => value;
}
