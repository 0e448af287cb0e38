using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// One SIMD width over float64, as the layer-norm kernel needs it. Kept in this folder rather than shared
/// with the attention engine's width abstraction so the element-wise ops depend on nothing that moves.
/// Each width is a struct: the JIT specialises the kernel per width and inlines every call.
/// </summary>
/// <remarks>
/// Every operation is one IEEE operation per lane (<see cref="MultiplyAdd"/> is fused in every width,
/// scalar included), so a kernel that applies the same operations to the same elements in the same order
/// gives the same bits on every width.
/// </remarks>
internal interface IOpLanes<TVector>
    where TVector : struct
{
    /// <summary>Lanes per register; a power of two dividing 16.</summary>
    static abstract int Count { get; }

    static abstract TVector Splat(double value);

    static abstract TVector Load(ref double source, nint offset);

    static abstract void Store(TVector value, ref double destination, nint offset);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a · b + c with one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
}

internal readonly struct OpLanes512 : IOpLanes<Vector512<double>>
{
    public static int Count => Vector512<double>.Count;

    public static Vector512<double> Splat(double value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Load(ref double source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<double> value, ref double destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;

    public static Vector512<double> Subtract(Vector512<double> a, Vector512<double> b) => a - b;

    public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;

    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);
}

internal readonly struct OpLanes256 : IOpLanes<Vector256<double>>
{
    public static int Count => Vector256<double>.Count;

    public static Vector256<double> Splat(double value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(ref double source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> value, ref double destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

    public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;

    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;

    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);
}

internal readonly struct OpLanes128 : IOpLanes<Vector128<double>>
{
    public static int Count => Vector128<double>.Count;

    public static Vector128<double> Splat(double value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Load(ref double source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<double> value, ref double destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;

    public static Vector128<double> Subtract(Vector128<double> a, Vector128<double> b) => a - b;

    public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;

    public static Vector128<double> MultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

/// <summary>Plain doubles: the width every processor has, and the second opinion for the vector widths.</summary>
internal readonly struct OpLanesScalar : IOpLanes<double>
{
    public static int Count => 1;

    public static double Splat(double value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref double source, nint offset) => Unsafe.Add(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double value, ref double destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    public static double Add(double a, double b) => a + b;

    public static double Subtract(double a, double b) => a - b;

    public static double Multiply(double a, double b) => a * b;

    public static double MultiplyAdd(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
}

/// <summary>Helpers shared by the element-wise kernels.</summary>
internal static class OpSpans
{
    /// <summary>A writable reference to the first element of a read-only span (the kernels only read through it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref double Start(ReadOnlySpan<double> span) => ref MemoryMarshal.GetReference(span);
}
