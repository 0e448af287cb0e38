namespace IvySharp.Kernels.Ops;

/// <summary>
/// The complementary error function in float64, for GELU, written once over <see cref="IOpLanes{TVector}"/>:
/// .NET has no <c>Math.Erf</c>, and the vectorised transcendental functions of <c>TensorPrimitives</c> have
/// changed bits between JIT tiers, so this is IvySharp's own, with the same bits on every width.
/// </summary>
/// <remarks>
/// <para>For z ≥ 0, erfc(z) = exp(−z²) · g(t) / (1 + 2z), where g(t) = (1 + 2z)·erfcx(z) is smooth on
/// t = (z − 3)/(z + 3) ∈ [−1, 1) and summed as a Chebyshev series (Clenshaw). The 28 coefficients come from
/// <c>tools/golden/erfc_coefficients.py</c> (mpmath, 50 digits), which also evaluates these operations in
/// float64 (with the C library's exp) on 20001 points of [0, 26]: worst relative error 4.7e-16. Here exp is
/// <see cref="OpExp"/>; exp(−z²) is corrected for the rounding of z² (the exact residual comes from a fused
/// multiply-add). The whole GELU is measured against mpmath by the tests.</para>
/// </remarks>
internal static class Erfc
{
    /// <summary>2/√π: d erfc(z)/dz = −(2/√π)·exp(−z²).</summary>
    public const double TwoOverSqrtPi = 1.1283791670955126;

    // Chebyshev coefficients c0..c27 of g(t) = (1 + 2z)·erfcx(z), t = (z − 3)/(z + 3) (tools/golden/erfc_coefficients.py).
    // A span over constant data: no static array anyone could write.
    private static ReadOnlySpan<double> Coefficients =>
    [
        1.17756257419656007e+00, 5.35390453961567640e-03, -9.37755034228420908e-02,
        5.43665255574432224e-02, -1.89765967078452079e-02, 4.45342606146271157e-03,
        -6.33553171055314685e-04, 1.76617195231715932e-05, 1.28415328640566712e-05,
        -2.00722856590599130e-06, -1.80752279041483712e-07, 7.54982834382509291e-08,
        1.88566852383860296e-09, -2.69951904979836388e-09, -1.46007911993910508e-11,
        1.03616074459694893e-10, 1.47571597662347301e-12, -4.27734006439691100e-12,
        -2.07922492859799006e-13, 1.81345020031769630e-13, 1.97342557454473895e-14,
        -7.28794373759267338e-15, -1.51698786902281158e-15, 2.35141122587814030e-16,
        1.00061116918216674e-16, -2.05725281695385460e-18, -5.60860821886318299e-18,
        -5.54688472599443057e-19,
    ];

    /// <summary>
    /// erfc(z + zLow) in every lane, for z ≥ 0 (+∞ gives 0, NaN stays NaN) and |zLow| at most about an ulp of z:
    /// the low part of an argument carried in two doubles, applied through the derivative (its square is far
    /// below an ulp).
    /// </summary>
    public static TV NonNegative<TV, TL>(TV z, TV zLow)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        TV three = TL.Splat(3.0);
        TV t = TL.Divide(TL.Subtract(z, three), TL.Add(z, three));
        TV twoT = TL.Add(t, t);
        TV b1 = TL.Splat(0.0), b2 = b1;
        ReadOnlySpan<double> c = Coefficients;
        for (int k = c.Length - 1; k >= 1; k--)
        {
            TV b0 = TL.Add(TL.Subtract(TL.Multiply(twoT, b1), b2), TL.Splat(c[k]));
            b2 = b1;
            b1 = b0;
        }

        TV g = TL.Add(TL.Subtract(TL.Multiply(t, b1), b2), TL.Splat(c[0]));
        TV zz = TL.Multiply(z, z);
        TV residual = TL.MultiplyAdd(z, z, TL.Multiply(zz, TL.Splat(-1.0))); // z² = zz + residual exactly
        TV gaussian = TL.Multiply(OpExp.NonPositive<TV, TL>(TL.Multiply(zz, TL.Splat(-1.0))), TL.Subtract(TL.Splat(1.0), residual));
        TV quotient = TL.Divide(g, TL.Add(TL.Splat(1.0), TL.Add(z, z)));
        TV erfc = TL.Multiply(gaussian, TL.Subtract(quotient, TL.Multiply(TL.Splat(TwoOverSqrtPi), zLow)));

        // erfc(28) ≈ 1e-342 is below the smallest subnormal; this also covers z = +∞, where t is ∞/∞.
        return TL.Select(TL.LessThan(TL.Splat(28.0), z), TL.Splat(0.0), erfc);
    }
}
