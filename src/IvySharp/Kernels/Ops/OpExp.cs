namespace IvySharp.Kernels.Ops;

/// <summary>
/// exp(v) for v ≤ 0, written once over <see cref="IOpLanes{TVector}"/>: every width, scalar included, applies the
/// same operations, so GELU's bits do not depend on the SIMD width, the JIT tier or the C library's exp.
/// </summary>
/// <remarks>
/// v = n·ln2 + r with n = round(v / ln2) and |r| ≤ ln2/2 (ln2 in two parts, fused multiply-adds), exp(r) from
/// its Taylor series to r¹³/13! (truncation below 5e-18 relative), then scaled by 2ⁿ built from the exponent
/// bits, in two steps below 2⁻¹⁰⁰⁰ so a subnormal result is rounded once. About 1 ulp; GELU's accuracy
/// test measures the whole (tests/IvySharp.Tests/Ops/GeluTests.cs). v below −746 gives 0 (exp underflows there
/// anyway), NaN stays NaN.
/// </remarks>
internal static class OpExp
{
    private const double Log2E = 1.4426950408889634;
    private const double Ln2High = 0.6931471805599453;
    private const double Ln2Low = 2.3190468138462996e-17;

    /// <summary>1.5·2⁵²: adding and subtracting it rounds a double below 2⁵¹ in magnitude to the nearest integer.</summary>
    private const double RoundMagic = 6755399441055744.0;
    private const double TwoToMinus600 = 2.409919865102884e-181;

    // A span over constant data: no static array anyone could write.
    private static ReadOnlySpan<double> InverseFactorials =>
    [
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800,
    ];

    /// <summary>exp(v) in every lane; lanes must hold v ≤ 0 or NaN.</summary>
    public static TV NonPositive<TV, TL>(TV v)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        v = TL.Select(TL.LessThan(v, TL.Splat(-746.0)), TL.Splat(-746.0), v);
        TV n = TL.Subtract(TL.Add(TL.Multiply(v, TL.Splat(Log2E)), TL.Splat(RoundMagic)), TL.Splat(RoundMagic));
        TV r = TL.MultiplyAdd(n, TL.Splat(-Ln2High), v);
        r = TL.MultiplyAdd(n, TL.Splat(-Ln2Low), r);
        ReadOnlySpan<double> c = InverseFactorials;
        TV p = TL.Splat(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--) p = TL.MultiplyAdd(p, r, TL.Splat(c[k]));

        // n ≥ −1076 here. Below −1000, scale by 2ⁿ⁺⁶⁰⁰ (exact, normal) and then by 2⁻⁶⁰⁰ (the one rounding).
        TV small = TL.LessThan(n, TL.Splat(-1000.0));
        p = TL.Multiply(p, TL.PowerOfTwo(TL.Select(small, TL.Add(n, TL.Splat(600.0)), n)));
        return TL.Select(small, TL.Multiply(p, TL.Splat(TwoToMinus600)), p);
    }
}
