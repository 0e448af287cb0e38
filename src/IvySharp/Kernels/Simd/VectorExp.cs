using System.Numerics;
using System.Runtime.CompilerServices;

namespace IvySharp.Kernels.Simd;

/// <summary>
/// eˣ lane by lane, written once over <see cref="ISimd{T, TVector}"/>: range reduction x = n·ln2 + r
/// with |r| ≤ ln2/2 (ln2 split in a high and a low part), a polynomial for eʳ, and the product with 2ⁿ
/// built in the exponent field (<see cref="ISimd{T, TVector}.ScaleByPowerOfTwo"/>).
/// </summary>
/// <remarks>
/// Error bound (measured by <c>VectorExpTests</c> against <see cref="Math.Exp"/> over a dense sweep; the
/// polynomial alone is 2.5e-9 (float) / below 1e-17 (double) from eʳ, the rest is rounding):
/// float relative error ≤ <see cref="FloatRelativeErrorBound"/> wherever eˣ is a normal float
/// (−87.33 ≤ x ≤ 88.72); below that the result is a correctly scaled subnormal within 2⁻¹⁴⁹ absolute, then 0.
/// double relative error ≤ <see cref="DoubleRelativeErrorBound"/> for −708.39 ≤ x ≤ 709.78, likewise below.
/// Special values: e^−∞ = +0 exactly, e^+∞ = +∞, NaN stays NaN; results past the largest finite value are +∞.
/// </remarks>
internal static class VectorExp<T, TVector, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    // Inputs are clamped to [Low, High] (NaN passes the compare-and-select clamps untouched). Past Low
    // every result rounds to +0, past High every result overflows to +∞, so clamping changes nothing
    // but keeps n small enough for the two-factor 2ⁿ.
    private static T Low
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(float) ? T.CreateTruncating(-110.0) : T.CreateTruncating(-750.0);
    }

    private static T High
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(float) ? T.CreateTruncating(89.0) : T.CreateTruncating(710.0);
    }

    // ln 2 = Ln2High + Ln2Low: the high part has few enough bits that n · Ln2High is exact for every n here.
    private static T Ln2High
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(float) ? T.CreateTruncating(0.693359375) : T.CreateTruncating(0.693147180369123816490);
    }

    private static T Ln2Low
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => typeof(T) == typeof(float) ? T.CreateTruncating(-2.12194440e-4) : T.CreateTruncating(1.90821492927058770002e-10);
    }

    /// <summary>The largest relative error from <see cref="Math.Exp"/> the float kernel may show in the normal range.</summary>
    public const double FloatRelativeErrorBound = 1.2e-7;

    /// <summary>The largest relative error from <see cref="Math.Exp"/> the double kernel may show in the normal range.</summary>
    public const double DoubleRelativeErrorBound = 4.5e-16;

    /// <summary>eˣ for any x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp(TVector x)
    {
        TVector high = TSimd.Splat(High);
        return ExpNonPositive(TSimd.Select(TSimd.GreaterThan(x, high), high, x));
    }

    /// <summary>
    /// eˣ for x ≤ High (the softmax's x − max ≤ 0, −∞ or NaN): one clamp fewer than <see cref="Exp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ExpNonPositive(TVector x)
    {
        // Compare-and-select rather than a min/max instruction, whose NaN behaviour is unspecified: NaN stays NaN.
        TVector low = TSimd.Splat(Low);
        x = TSimd.Select(TSimd.LessThan(x, low), low, x);
        TVector n = TSimd.Round(TSimd.Multiply(x, TSimd.Splat(T.CreateTruncating(1.44269504088896340736))));
        TVector r = TSimd.MultiplyAdd(n, TSimd.Splat(-Ln2High), x);
        r = TSimd.MultiplyAdd(n, TSimd.Splat(-Ln2Low), r);
        return TSimd.ScaleByPowerOfTwo(Polynomial(r), n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Polynomial(TVector r)
    {
        if (typeof(T) == typeof(float))
        {
            // Degree 6, interpolating eʳ at the Chebyshev nodes of [−ln2/2, ln2/2] (near-minimax: 2.5e-9).
            TVector p = TSimd.Splat(T.CreateTruncating(0.001394116075641468));
            p = TSimd.MultiplyAdd(p, r, TSimd.Splat(T.CreateTruncating(0.008375168288959624)));
            p = TSimd.MultiplyAdd(p, r, TSimd.Splat(T.CreateTruncating(0.04166635226804215)));
            p = TSimd.MultiplyAdd(p, r, TSimd.Splat(T.CreateTruncating(0.16666415011290175)));
            p = TSimd.MultiplyAdd(p, r, TSimd.Splat(T.CreateTruncating(0.5000000047259411)));
            p = TSimd.MultiplyAdd(p, r, TSimd.Splat(T.CreateTruncating(1.000000037829614)));
            return TSimd.MultiplyAdd(p, r, TSimd.Splat(T.One));
        }

        // Degree 13 Taylor: the truncation (|r|¹⁴/14! < 5e-18) is far below double rounding.
        TVector q = TSimd.Splat(T.CreateTruncating(1.0 / 6227020800.0));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 479001600.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 39916800.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 3628800.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 362880.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 40320.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 5040.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 720.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 120.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 24.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(1.0 / 6.0)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.CreateTruncating(0.5)));
        q = TSimd.MultiplyAdd(q, r, TSimd.Splat(T.One));
        return TSimd.MultiplyAdd(q, r, TSimd.Splat(T.One));
    }
}
