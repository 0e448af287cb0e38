namespace IvySharp.Tests.Ops;

/// <summary>
/// The accepted <see cref="Support.ErrorMetric.MaxRelativeError(ReadOnlySpan{double}, ReadOnlySpan{double}, DType?)"/>
/// of each op against the float64 reference (<see cref="ReferenceOps"/>), per dtype, with the reasons.
/// </summary>
/// <remarks>
/// <para>Linear: float64 1e-12 (sums of up to 69 products, both sides in float64: a few 1e-15 measured).
/// float32 1e-4, as attention's random calls: the GEMM accumulates in float32 (unit roundoff 6e-8), and an output
/// at the array's 1 % floor is the difference of up to 69 products each up to ~100× its size, so a few 1e-5 is
/// float32 rounding, not a fault (measured 1.1e-5); a float16 intermediate would show as ≥ 5e-4. The PyTorch
/// goldens, with a normwise measure, hold float32 to 1e-5. float16 1e-3: rounding to float16 (4.9e-4) plus the
/// float32 error.</para>
/// <para>GELU float32 1e-6: float32 and float16 inputs are evaluated in float32 lanes (a few ulps; measured worst
/// 5.2 ulp = 5.7e-7 against the float64 path, <see cref="GeluTests"/>), for speed: the float64 evaluation was a
/// quarter of the sentence sample's encoder time. The tanh form's float32 3e-5: its tail is exp(2u), and u, rounded in
/// float32 (~3e-7), carries its relative error into the result multiplied by |2u|, which reaches ~88 before the result
/// leaves the normal floats (the float64 form grows the same way, in float64 ulps). A one-element call in that tail
/// has no larger element to floor the measure.</para>
/// <para>LayerNorm (and GELU float64) are computed in float64 and rounded once: float32 1e-7 (one rounding, 2⁻²⁴ = 6e-8, plus
/// the float64 error), float16 1e-3 (2⁻¹¹ = 4.9e-4 plus nothing measurable). float64: layer norm 2e-11, because
/// these calls include means of −100 with a spread of 0.1: the mean itself, rounded to a double, is off by up to
/// 7e-15, which is 1.4e-13 of a deviation of 0.05, and an offset that cancels the scaled value down to the
/// error measure's 1 % floor multiplies that by up to ~50 (measured 8.9e-12; the reference's sums are compensated,
/// so this is the conditioning of the data, which both sides share, not a summation error). GELU 1e-12, limited by the reference's own erfc (Taylor series below |z| = 2: ~1e-15 absolute against erfc(2) = 5e-3).
/// The library's own float64 GELU error is measured against mpmath instead (<see cref="GeluTests"/>).</para>
/// </remarks>
public static class OpTolerances
{
    public static double Of(string op, DType dtype) => (op, dtype) switch
    {
        (_, DType.Float16) => 1e-3,
        ("layer-norm", DType.Float64) => 2e-11,
        (_, DType.Float64) => 1e-12,
        ("linear", DType.Float32) => 1e-4,
        ("gelu-exact", DType.Float32) => 1e-6,
        ("gelu-tanh", DType.Float32) => 3e-5,
        (_, DType.Float32) => 1e-7,
        _ => throw new ArgumentException($"{op} {dtype}"),
    };
}
