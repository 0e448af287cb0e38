namespace IvySharp.Kernels.Ops;

/// <summary>
/// The complementary error function in float64, for GELU: .NET has no <c>Math.Erf</c>, and the vectorised
/// transcendental functions of <c>TensorPrimitives</c> have changed bits between JIT tiers, so this is a
/// scalar implementation whose bits depend only on its inputs and on <see cref="Math.Exp"/>.
/// </summary>
/// <remarks>
/// <para>For z ≥ 0, erfc(z) = exp(−z²) · g(t) / (1 + 2z), where g(t) = (1 + 2z)·erfcx(z) is smooth on
/// t = (z − 3)/(z + 3) ∈ [−1, 1) and summed as a Chebyshev series (Clenshaw). The 28 coefficients come from
/// <c>tools/golden/erfc_coefficients.py</c> (mpmath, 50 digits), which also evaluates this code's operations
/// in float64 on 20001 points of [0, 26]: worst relative error 4.7e-16 (about 2 ulps). exp(−z²) is corrected
/// for the rounding of z² (the exact residual comes from a fused multiply-add). For z &lt; 0,
/// erfc(z) = 2 − erfc(−z), in (1, 2]: no cancellation. erfc(NaN) = NaN, erfc(+∞) = 0, erfc(−∞) = 2.</para>
/// <para>The GELU built on it is measured against mpmath in <c>tests/IvySharp.Tests/Ops/GeluTests.cs</c>
/// (the golden file's high-precision table).</para>
/// </remarks>
internal static class Erfc
{
    /// <summary>2/√π: d erfc(z)/dz = −(2/√π)·exp(−z²).</summary>
    public const double TwoOverSqrtPi = 1.1283791670955126;

    // Chebyshev coefficients c0..c27 of g(t) = (1 + 2z)·erfcx(z), t = (z − 3)/(z + 3) (tools/golden/erfc_coefficients.py).
    private static readonly double[] Coefficients =
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

    /// <summary>erfc(z) for any z.</summary>
    public static double Of(double z)
    {
        if (double.IsNaN(z)) return z;
        return z < 0 ? 2.0 - OfNonNegative(-z, 0.0) : OfNonNegative(z, 0.0);
    }

    /// <summary>
    /// erfc(z + zLow) for z ≥ 0 and |zLow| at most about an ulp of z: the low part of an argument carried in
    /// two doubles, applied through the derivative (its square is far below an ulp).
    /// </summary>
    public static double OfNonNegative(double z, double zLow)
    {
        // erfc(28) ≈ 1e-342 is below the smallest subnormal; this also keeps z = +∞ out of t (∞/∞).
        if (z > 28) return 0.0;
        double t = (z - 3) / (z + 3);
        double b1 = 0, b2 = 0;
        double[] c = Coefficients;
        for (int k = c.Length - 1; k >= 1; k--)
        {
            double b0 = (2 * t * b1) - b2 + c[k];
            b2 = b1;
            b1 = b0;
        }

        double g = (t * b1) - b2 + c[0];
        double zz = z * z;
        double residual = Math.FusedMultiplyAdd(z, z, -zz); // z² = zz + residual exactly
        double gaussian = Math.Exp(-zz) * (1 - residual);  // exp(−z²) to within the rounding of exp
        return zLow == 0.0
            ? gaussian * g / (1 + (2 * z))
            : gaussian * ((g / (1 + (2 * z))) - (TwoOverSqrtPi * zLow));
    }
}
