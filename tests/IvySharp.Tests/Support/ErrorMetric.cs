namespace IvySharp.Tests.Support;

/// <summary>
/// The one relative-error measure the accuracy tests use, and the tolerances per dtype.
/// </summary>
/// <remarks>
/// <para>
/// <c>error = max over elements of |a − e| / max(|e|, 1e-2 · max|e|, tiny)</c>, with <c>a</c> the actual
/// and <c>e</c> the expected (reference) values, <c>max|e|</c> over the array's finite elements, and
/// <c>tiny</c> 1e-30, or float16's smallest normal 2⁻¹⁴ when the actual values were stored as float16.
/// </para>
/// <para>
/// Why this shape: a plain element-wise relative error explodes on elements that are small because of
/// cancellation (an attention output is a weighted sum of values of both signs, then a projection),
/// where the library is right to within a few ulps of the <i>terms</i>, not of the small result. A plain
/// absolute error would ignore the data's scale. So an element is measured against itself where it is
/// at least 1 % of the array's largest magnitude, and against that 1 % otherwise. Measured on the
/// random calls of <c>RandomComparisonTests</c>, a floor of 1e-3 let float32 cancellation alone reach
/// 1.6e-4 (an absolute error of ~1.4 ulps of the array's scale), which would force a float32 tolerance
/// too close to float16's precision to tell the two apart; 1e-2 keeps the float32 worst near 3e-5.
/// <c>tiny</c>: 1e-30 keeps all-zero arrays (fully masked rows) from dividing by zero; below its
/// smallest normal float16 has only absolute precision (half an ulp is 3e-8 there), so float16 results
/// are measured against at least 2⁻¹⁴. Non-finite values must match exactly (NaN with NaN, same infinity).
/// </para>
/// </remarks>
public static class ErrorMetric
{
    /// <summary>The fraction of the largest expected magnitude below which an element's error is measured against that floor.</summary>
    public const double ScaleFloor = 1e-2;

    /// <summary>2⁻¹⁴, the smallest normal float16 (.NET's <see cref="Half.Epsilon"/> is the smallest subnormal, 2⁻²⁴).</summary>
    public const double Float16SmallestNormal = 6.103515625e-5;

    /// <summary>
    /// Max relative error (see the class remarks). Returns +∞ when lengths differ or a non-finite value
    /// is not matched, 0 for two empty arrays.
    /// </summary>
    /// <param name="actual">The values under test, upcast to double.</param>
    /// <param name="expected">The reference values.</param>
    /// <param name="stored">The dtype <paramref name="actual"/> was stored in (only float16 changes the measure).</param>
    public static double MaxRelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, DType? stored = null) =>
        MaxRelativeError(actual, expected, stored, out _);

    /// <summary>Like <see cref="MaxRelativeError(ReadOnlySpan{double}, ReadOnlySpan{double}, DType?)"/>, also giving the worst element's index (−1 if none).</summary>
    public static double MaxRelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, DType? stored, out int worstIndex)
    {
        worstIndex = -1;
        if (actual.Length != expected.Length) return double.PositiveInfinity;
        double scale = 0;
        foreach (double e in expected)
        {
            if (double.IsFinite(e)) scale = Math.Max(scale, Math.Abs(e));
        }

        double tiny = stored == DType.Float16 ? Float16SmallestNormal : 1e-30;
        double floor = Math.Max(ScaleFloor * scale, tiny);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i];
            double error;
            if (!double.IsFinite(e) || !double.IsFinite(a))
            {
                bool same = (double.IsNaN(a) && double.IsNaN(e)) || a == e;
                error = same ? 0 : double.PositiveInfinity;
            }
            else
            {
                error = Math.Abs(a - e) / Math.Max(Math.Abs(e), floor);
            }

            if (error > worst || worstIndex < 0)
            {
                worst = error;
                worstIndex = i;
            }
        }

        return worst;
    }

    /// <summary>
    /// The largest <see cref="MaxRelativeError(ReadOnlySpan{double}, ReadOnlySpan{double}, DType?)"/> accepted
    /// against the float64 reference for results computed from <paramref name="compute"/> inputs and
    /// stored in <paramref name="stored"/> (they differ when <c>@out</c> has another dtype; the looser wins).
    /// </summary>
    /// <remarks>
    /// Measured worst over the random calls (3000 per dtype): float64 1.6e-13, float32 3.2e-5, float16 4.9e-4.
    /// float64 (unit roundoff 1.1e-16): 1e-12. The sums have at most a few dozen terms, but scores reach the
    /// hundreds on the calls with large inputs and scale, and exp turns an absolute score error into a
    /// relative weight error; 1e-12 still catches any float32 step (≥ 1e-8) by four orders.
    /// float32 (unit roundoff 6e-8): 1e-4, for the same reasons at float32's precision; it stays 5× below
    /// float16's rounding, so a float16 intermediate in the float32 path would fail.
    /// float16: 1e-3. Inputs are exact in the reference and the library computes in float32, but results are
    /// rounded to float16 (unit roundoff 4.9e-4); 1e-3 is that rounding plus the float32 error, with margin.
    /// </remarks>
    public static double Tolerance(DType compute, DType? stored = null) =>
        Math.Max(Of(compute), stored is { } s ? Of(s) : 0);

    private static double Of(DType dtype) => dtype switch
    {
        DType.Float64 => 1e-12,
        DType.Float32 => 1e-4,
        DType.Float16 => 1e-3,
        _ => 0,
    };
}
