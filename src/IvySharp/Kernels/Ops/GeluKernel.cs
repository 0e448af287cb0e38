using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using IvySharp.Internal;
using IvySharp.Planning;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// GELU element by element. float64 in float64 (below); float32 and float16 in float32 lanes
/// (<see cref="GeluSingle"/>, the same formulas), rounded once to x's dtype. The float64 path: exact
/// <c>0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2)</c>, or the tanh approximation
/// <c>0.5·x·(1 + tanh(u))</c>, u = √(2/π)·(x + 0.044715·x³), evaluated as the equal x·σ(2u). Vectorised on the
/// variant's SIMD width; every width (scalar included) applies the same operations, so the bits never depend on it.
/// </summary>
/// <remarks>
/// <para>Both forms are written so the negative tail keeps its relative accuracy: 1 + erf(·) and 1 + tanh(·)
/// cancel to nothing there (in float32, 1 + erf(x/√2) is exactly 0 below x ≈ −5.5), erfc and the logistic form
/// do not. x/√2 is carried in two doubles (x·c rounded plus its exact residual and c's own error), so the
/// argument's rounding does not grow the error as the tail steepens. The tanh form's u is rounded (a few ulps),
/// and its tail is exp(2u): the relative error there grows as about 2|u| ulps, as it does in any float64
/// evaluation of the formula (PyTorch's included).</para>
/// <para>Limits: GELU(+∞) = +∞ and GELU(−∞) = −0 (the limit of x·Φ(x); the formula itself would give
/// −∞·0 = NaN); NaN stays NaN.</para>
/// </remarks>
internal static class GeluKernel
{
    private const int ItemElements = 4096;

    // 1/√2 as the nearest double plus its error (mpmath): x/√2 = x·(C + CLow).
    private const double InvSqrt2 = 0.7071067811865476;
    private const double InvSqrt2Low = -4.8336466567264565e-17;
    private const double Sqrt2OverPi = 0.7978845608028654;
    private const double Kappa = 0.044715;

    public static IvyArray Run(GeluPlan plan, KernelVariant variant)
    {
        SimdWidth width = variant.Algorithm == AttentionAlgorithm.Plain ? SimdWidth.Scalar : SimdWidths.Runnable(variant.Width);
        return plan.DType switch
        {
            DType.Float64 => Run<double>(plan, width),
            DType.Float32 => Run<float>(plan, width),
            _ => Run<Half>(plan, width),
        };
    }

    /// <summary>GELU of every element of <paramref name="x"/> into <paramref name="y"/> (same length; may be the same memory).</summary>
    public static void Map(ReadOnlySpan<double> x, Span<double> y, bool approximate, SimdWidth width)
    {
        switch (width)
        {
            case SimdWidth.Vector512: Map<Vector512<double>, OpLanes512>(x, y, approximate); break;
            case SimdWidth.Vector256: Map<Vector256<double>, OpLanes256>(x, y, approximate); break;
            case SimdWidth.Vector128: Map<Vector128<double>, OpLanes128>(x, y, approximate); break;
            default: Map<double, OpLanesScalar>(x, y, approximate); break;
        }
    }

    // float64 is evaluated in float64 (the series above, ~100 flops per element); float32 and float16 in float32
    // lanes (GeluSingle, ~40), float16 widened exactly to float32 and rounded once back. Each element is read
    // before it is written, so an @out that is x itself is fine.
    private static IvyArray Run<T>(GeluPlan plan, SimdWidth width)
        where T : unmanaged
    {
        IvyArray x = plan.X;
        int size = x.Size;
        using var output = OpOutput<T>.Create(plan.DType, plan.Out, x.Shape, size, [x], inPlace: x);
        using var xs = Operand<T>.Of(x);
        bool approximate = plan.Approximate;
        long flopsPerElement = typeof(T) == typeof(double) ? 100 : 40;
        ParallelPolicy.For(Items(size), flopsPerElement * ItemElements, item =>
        {
            int start = item * ItemElements, count = Math.Min(size, start + ItemElements) - start;
            ReadOnlySpan<T> source = xs.Span.Slice(start, count);
            Span<T> destination = output.Span.Slice(start, count);
            if (typeof(T) == typeof(double))
            {
                Map(MemoryMarshal.Cast<T, double>(source), MemoryMarshal.Cast<T, double>(destination), approximate, width);
                return;
            }

            if (typeof(T) == typeof(float))
            {
                GeluSingle.Map(MemoryMarshal.Cast<T, float>(source), MemoryMarshal.Cast<T, float>(destination), approximate, width);
                return;
            }

            float[] work = ArrayPool<float>.Shared.Rent(count);
            try
            {
                Span<float> values = work.AsSpan(0, count);
                ElementConvert.Copy<T, float>(source, values);
                GeluSingle.Map(values, values, approximate, width);
                ElementConvert.Copy<float, T>(values, destination);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(work);
            }
        });

        return output.Complete();
    }

    private static int Items(int size) => (size + ItemElements - 1) / ItemElements;

    private static void Map<TV, TL>(ReadOnlySpan<double> x, Span<double> y, bool approximate)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        ref double x0 = ref OpSpans.Start(x);
        ref double y0 = ref MemoryMarshal.GetReference(y);
        int main = x.Length - (x.Length % TL.Count);
        for (int i = 0; i < main; i += TL.Count)
        {
            TV v = TL.Load(ref x0, i);
            TL.Store(approximate ? Approximate<TV, TL>(v) : Exact<TV, TL>(v), ref y0, i);
        }

        // The tail through the scalar lanes: the same operations, so the same bits as a wider run would give.
        for (int i = main; i < x.Length; i++)
        {
            y[i] = approximate ? Approximate<double, OpLanesScalar>(x[i]) : Exact<double, OpLanesScalar>(x[i]);
        }
    }

    private static TV Exact<TV, TL>(TV x)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        // z = −x/√2 = zHigh + zLow; erfc of its magnitude, mirrored for z < 0: erfc(z) = 2 − erfc(−z), in (1, 2].
        TV minusOne = TL.Splat(-1.0);
        TV negX = TL.Multiply(x, minusOne);
        TV zHigh = TL.Multiply(negX, TL.Splat(InvSqrt2));
        TV zLow = TL.Add(TL.MultiplyAdd(negX, TL.Splat(InvSqrt2), TL.Multiply(zHigh, minusOne)), TL.Multiply(negX, TL.Splat(InvSqrt2Low)));
        TV negative = TL.LessThan(zHigh, TL.Splat(0.0));
        TV magnitude = TL.Select(negative, TL.Multiply(zHigh, minusOne), zHigh);
        TV low = TL.Select(negative, TL.Multiply(zLow, minusOne), zLow);
        TV e = Erfc.NonNegative<TV, TL>(magnitude, low);
        TV erfc = TL.Select(negative, TL.Subtract(TL.Splat(2.0), e), e);
        TV y = TL.Multiply(TL.Multiply(TL.Splat(0.5), x), erfc);
        return MinusInfinityToNegativeZero<TV, TL>(x, y);
    }

    private static TV Approximate<TV, TL>(TV x)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        TV u = TL.Multiply(TL.Splat(Sqrt2OverPi), TL.Add(x, TL.Multiply(TL.Splat(Kappa), TL.Multiply(TL.Multiply(x, x), x))));

        // x·σ(2u) with the exponential taken of −2|u| ≤ 0, so it never overflows: for u ≥ 0, x / (1 + e^(−2u));
        // for u < 0, x·e^(2u) / (1 + e^(2u)) (e^(−2u) would be ∞ and turn a representable tail value into 0).
        TV negative = TL.LessThan(u, TL.Splat(0.0));
        TV e = OpExp.NonPositive<TV, TL>(TL.Multiply(u, TL.Select(negative, TL.Splat(2.0), TL.Splat(-2.0))));
        TV denominator = TL.Add(TL.Splat(1.0), e);
        TV y = TL.Select(negative, TL.Divide(TL.Multiply(x, e), denominator), TL.Divide(x, denominator));
        return MinusInfinityToNegativeZero<TV, TL>(x, y);
    }

    private static TV MinusInfinityToNegativeZero<TV, TL>(TV x, TV y)
        where TV : unmanaged
        where TL : IOpLanes<TV>
        => TL.Select(TL.LessThan(x, TL.Splat(double.MinValue)), TL.Splat(-0.0), y);
}
