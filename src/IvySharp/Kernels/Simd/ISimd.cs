using System.Numerics;

namespace IvySharp.Kernels.Simd;

/// <summary>
/// One SIMD width as a set of static operations, so every tiled kernel is written once and the JIT
/// specialises it per width (the house's operator-struct pattern). <typeparamref name="TVector"/> is the
/// register type: <c>Vector512&lt;T&gt;</c>, <c>Vector256&lt;T&gt;</c>, <c>Vector128&lt;T&gt;</c>, or T itself
/// for the scalar engine. Comparison results are lane masks usable by <see cref="Select"/>.
/// </summary>
internal interface ISimd<T, TVector>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
{
    /// <summary>Lanes per register.</summary>
    static abstract int Count { get; }

    static abstract TVector Zero { get; }

    /// <summary>0, 1, 2, … in the lanes.</summary>
    static abstract TVector Indices { get; }

    static abstract TVector Splat(T value);

    static abstract TVector Load(ref T source, nint offset);

    static abstract void Store(TVector value, ref T destination, nint offset);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a · b + c with one rounding.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>The larger lane; which operand a NaN yields is unspecified (callers don't rely on it).</summary>
    static abstract TVector MaxNative(TVector a, TVector b);

    /// <summary>Round to nearest, ties to even.</summary>
    static abstract TVector Round(TVector a);

    /// <summary>p · 2ⁿ for integral-valued n within the range <see cref="VectorExp{T, TVector, TSimd}"/> produces.</summary>
    static abstract TVector ScaleByPowerOfTwo(TVector p, TVector n);

    static abstract TVector LessThan(TVector a, TVector b);

    static abstract TVector GreaterThan(TVector a, TVector b);

    static abstract TVector Equals(TVector a, TVector b);

    /// <summary>Either mask set (lane-wise).</summary>
    static abstract TVector Or(TVector a, TVector b);

    /// <summary>Lane-wise mask ? ifTrue : ifFalse.</summary>
    static abstract TVector Select(TVector mask, TVector ifTrue, TVector ifFalse);

    /// <summary>True when any lane of the mask is set.</summary>
    static abstract bool Any(TVector mask);

    /// <summary>The sum of the lanes (a horizontal reduction; order fixed per width).</summary>
    static abstract T Sum(TVector value);
}
