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

    static abstract TVector Divide(TVector a, TVector b);

    /// <summary>All bits set in the lanes where a &lt; b (false for NaN), else zero: a mask for <see cref="Select"/>.</summary>
    static abstract TVector LessThan(TVector a, TVector b);

    /// <summary>a in the lanes where <paramref name="mask"/> is set, b elsewhere.</summary>
    static abstract TVector Select(TVector mask, TVector a, TVector b);

    /// <summary>
    /// 2ᵏ for integer-valued k in [−1022, 1023], built from the bits: k + (2⁵² + 1023) holds k + 1023 in its low
    /// mantissa bits, and shifting them left by 52 makes them the exponent field. Exact in every width.
    /// </summary>
    static abstract TVector PowerOfTwo(TVector k);
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

    public static Vector512<double> Divide(Vector512<double> a, Vector512<double> b) => a / b;

    public static Vector512<double> LessThan(Vector512<double> a, Vector512<double> b) => Vector512.LessThan(a, b);

    public static Vector512<double> Select(Vector512<double> mask, Vector512<double> a, Vector512<double> b) => Vector512.ConditionalSelect(mask, a, b);

    public static Vector512<double> PowerOfTwo(Vector512<double> k) => Vector512.ShiftLeft((k + Vector512.Create(OpSpans.ExponentMagic)).AsInt64(), 52).AsDouble();
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

    public static Vector256<double> Divide(Vector256<double> a, Vector256<double> b) => a / b;

    public static Vector256<double> LessThan(Vector256<double> a, Vector256<double> b) => Vector256.LessThan(a, b);

    public static Vector256<double> Select(Vector256<double> mask, Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(mask, a, b);

    public static Vector256<double> PowerOfTwo(Vector256<double> k) => Vector256.ShiftLeft((k + Vector256.Create(OpSpans.ExponentMagic)).AsInt64(), 52).AsDouble();
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

    public static Vector128<double> Divide(Vector128<double> a, Vector128<double> b) => a / b;

    public static Vector128<double> LessThan(Vector128<double> a, Vector128<double> b) => Vector128.LessThan(a, b);

    public static Vector128<double> Select(Vector128<double> mask, Vector128<double> a, Vector128<double> b) => Vector128.ConditionalSelect(mask, a, b);

    public static Vector128<double> PowerOfTwo(Vector128<double> k) => Vector128.ShiftLeft((k + Vector128.Create(OpSpans.ExponentMagic)).AsInt64(), 52).AsDouble();
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

    public static double Divide(double a, double b) => a / b;

    public static double LessThan(double a, double b) => a < b ? BitConverter.Int64BitsToDouble(-1) : 0.0;

    public static double Select(double mask, double a, double b) => BitConverter.DoubleToInt64Bits(mask) != 0 ? a : b;

    public static double PowerOfTwo(double k) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(k + OpSpans.ExponentMagic) << 52);
}

/// <summary>Helpers shared by the element-wise kernels.</summary>
internal static class OpSpans
{
    /// <summary>2⁵² + 1023: see <see cref="IOpLanes{TVector}.PowerOfTwo"/>.</summary>
    public const double ExponentMagic = 4503599627371519.0;

    /// <summary>A writable reference to the first element of a read-only span (the kernels only read through it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref double Start(ReadOnlySpan<double> span) => ref MemoryMarshal.GetReference(span);
}
