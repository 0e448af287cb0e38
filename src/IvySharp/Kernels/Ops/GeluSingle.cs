using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// GELU of float32 (and float16, widened) elements, evaluated in float32 lanes: the same formulas as
/// <see cref="GeluKernel"/>'s float64 path — 0.5·x·erfc(−x/√2), or x·σ(2u) for the tanh form — with float32
/// arithmetic, twice the lanes per register and a series cut to what float32 can hold. Written once over
/// <see cref="ISimd{T, TVector}"/>; the tail runs through <see cref="ScalarSimd{T}"/> with the same operations, so
/// the bits depend only on x, never on the width, thread count or JIT tier.
/// </summary>
/// <remarks>
/// <para>Why not float64 as before: the float64 evaluation cost about 6 ns per element on a 2-vCPU Zen 5 (a quarter
/// of the sentence sample's encoder time), while float32 needs a quarter of the operations on twice the lanes.
/// The price is a few float32 ulps instead of a correctly rounded result; <c>GeluTests</c> measures the bound
/// (<see cref="RelativeErrorBound"/>) against the float64 path on a dense sweep.</para>
/// <para>erfc(a), a ≥ 0, as in <see cref="Erfc"/>: exp(−a²)·g(t)/(1 + 2a) with t = (a − 3)/(a + 3) and g the same
/// Chebyshev series cut after c12 (the dropped terms sum to 3e-9 of g, below float32's 6e-8), exp(−a²) corrected
/// for the rounding of a² (fused multiply-add residual), and −x/√2 carried in two floats so the argument's
/// rounding does not grow with the tail's steepness. Past a = 11 erfc is below float32's smallest subnormal: 0.</para>
/// </remarks>
internal static class GeluSingle
{
    /// <summary>The largest relative error from the correctly rounded GELU the float32 evaluation may show (measured: see GeluTests).</summary>
    public const double RelativeErrorBound = 1e-6;

    /// <summary>GELU of every element of <paramref name="x"/> into <paramref name="y"/> (same length; may be the same memory).</summary>
    public static void Map(ReadOnlySpan<float> x, Span<float> y, bool approximate, SimdWidth width)
    {
        switch (width)
        {
            case SimdWidth.Vector512: Lanes<Vector512<float>, Simd512<float>>.Map(x, y, approximate); break;
            case SimdWidth.Vector256: Lanes<Vector256<float>, Simd256<float>>.Map(x, y, approximate); break;
            case SimdWidth.Vector128: Lanes<Vector128<float>, Simd128<float>>.Map(x, y, approximate); break;
            default: Lanes<float, ScalarSimd<float>>.Map(x, y, approximate); break;
        }
    }

    private static class Lanes<TV, TS>
        where TV : struct
        where TS : ISimd<float, TV>
    {
        // 1/√2 as the nearest float plus its error: x/√2 = x·(C + CLow).
        private const float InvSqrt2 = 0.70710677f;
        private const float InvSqrt2Low = 1.2101617e-8f;
        private const float TwoOverSqrtPi = 1.1283792f;
        private const float Sqrt2OverPi = 0.7978846f;
        private const float Kappa = 0.044715f;

        // Erfc's coefficients c0..c12, rounded to float (the rest sum to 3e-9).
        private static ReadOnlySpan<float> Coefficients =>
        [
            1.17756257419656007e+00f, 5.35390453961567640e-03f, -9.37755034228420908e-02f,
            5.43665255574432224e-02f, -1.89765967078452079e-02f, 4.45342606146271157e-03f,
            -6.33553171055314685e-04f, 1.76617195231715932e-05f, 1.28415328640566712e-05f,
            -2.00722856590599130e-06f, -1.80752279041483712e-07f, 7.54982834382509291e-08f,
            1.88566852383860296e-09f,
        ];

        public static void Map(ReadOnlySpan<float> x, Span<float> y, bool approximate)
        {
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref float y0 = ref MemoryMarshal.GetReference(y);
            int main = x.Length - (x.Length % TS.Count);
            for (int i = 0; i < main; i += TS.Count)
            {
                TV v = TS.Load(ref x0, i);
                TS.Store(approximate ? Approximate(v) : Exact(v), ref y0, i);
            }

            // The tail through the scalar lanes: the same operations, so the same bits as a wider run would give.
            for (int i = main; i < x.Length; i++)
            {
                y[i] = approximate ? Lanes<float, ScalarSimd<float>>.Approximate(x[i]) : Lanes<float, ScalarSimd<float>>.Exact(x[i]);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Exact(TV x)
        {
            // z = −x/√2 = zHigh + zLow; erfc of its magnitude, mirrored for z < 0: erfc(z) = 2 − erfc(−z), in (1, 2].
            TV minusOne = TS.Splat(-1f);
            TV negX = TS.Multiply(x, minusOne);
            TV zHigh = TS.Multiply(negX, TS.Splat(InvSqrt2));
            TV zLow = TS.Add(TS.MultiplyAdd(negX, TS.Splat(InvSqrt2), TS.Multiply(zHigh, minusOne)), TS.Multiply(negX, TS.Splat(InvSqrt2Low)));
            TV negative = TS.LessThan(zHigh, TS.Zero);
            TV a = TS.Select(negative, TS.Multiply(zHigh, minusOne), zHigh);
            TV low = TS.Select(negative, TS.Multiply(zLow, minusOne), zLow);

            TV three = TS.Splat(3f);
            TV t = TS.Divide(TS.Subtract(a, three), TS.Add(a, three));
            TV twoT = TS.Add(t, t);
            TV b1 = TS.Zero, b2 = TS.Zero;
            ReadOnlySpan<float> c = Coefficients;
            for (int k = c.Length - 1; k >= 1; k--)
            {
                TV b0 = TS.Add(TS.Subtract(TS.Multiply(twoT, b1), b2), TS.Splat(c[k]));
                b2 = b1;
                b1 = b0;
            }

            TV g = TS.Add(TS.Subtract(TS.Multiply(t, b1), b2), TS.Splat(c[0]));
            TV aa = TS.Multiply(a, a);
            TV residual = TS.MultiplyAdd(a, a, TS.Multiply(aa, minusOne)); // a² = aa + residual exactly
            TV gaussian = TS.Multiply(VectorExp<float, TV, TS>.ExpNonPositive(TS.Multiply(aa, minusOne)), TS.Subtract(TS.Splat(1f), residual));
            TV quotient = TS.Divide(g, TS.Add(TS.Splat(1f), TS.Add(a, a)));
            TV e = TS.Multiply(gaussian, TS.Subtract(quotient, TS.Multiply(TS.Splat(TwoOverSqrtPi), low)));

            // Past 11 erfc is below the smallest subnormal; this also covers a = +∞, where t is ∞/∞.
            e = TS.Select(TS.LessThan(TS.Splat(11f), a), TS.Zero, e);
            TV erfc = TS.Select(negative, TS.Subtract(TS.Splat(2f), e), e);
            return MinusInfinityToNegativeZero(x, TS.Multiply(TS.Multiply(TS.Splat(0.5f), x), erfc));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Approximate(TV x)
        {
            TV u = TS.Multiply(TS.Splat(Sqrt2OverPi), TS.Add(x, TS.Multiply(TS.Splat(Kappa), TS.Multiply(TS.Multiply(x, x), x))));

            // x·σ(2u) with the exponential of −2|u| ≤ 0, so it never overflows (see GeluKernel.Approximate).
            TV negative = TS.LessThan(u, TS.Zero);
            TV e = VectorExp<float, TV, TS>.ExpNonPositive(TS.Multiply(u, TS.Select(negative, TS.Splat(2f), TS.Splat(-2f))));
            TV denominator = TS.Add(TS.Splat(1f), e);
            TV y = TS.Select(negative, TS.Divide(TS.Multiply(x, e), denominator), TS.Divide(x, denominator));
            return MinusInfinityToNegativeZero(x, y);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TV MinusInfinityToNegativeZero(TV x, TV y) =>
            TS.Select(TS.LessThan(x, TS.Splat(float.MinValue)), TS.Splat(-0f), y);
    }
}
