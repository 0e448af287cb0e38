using System.Numerics;
using System.Runtime.Intrinsics;
using IvySharp.Kernels.Simd;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// The engine's vectorised exp against <see cref="Math.Exp"/> (double, correctly rounded to well below
/// float/double precision here) over a dense sweep of the whole input range, every SIMD width:
/// relative error ≤ the documented bound wherever eˣ is a normal number, within one subnormal step
/// below that, exactly 0 for −∞ and deep negatives, +∞ past overflow, NaN kept; the non-positive
/// variant the softmax uses gives the same bits for x ≤ 0 and NaN.
/// </summary>
public sealed class VectorExpTests
{
    [Fact]
    public void Float_exp_is_within_its_bound_for_every_width()
    {
        float[] inputs = Sweep(-120, 100, 2_000_003).Select(x => (float)x).Concat(FloatSpecials).ToArray();
        Check<float, float, ScalarSimd<float>>(inputs);
        if (Vector128.IsHardwareAccelerated) Check<float, Vector128<float>, Simd128<float>>(inputs);
        if (Vector256.IsHardwareAccelerated) Check<float, Vector256<float>, Simd256<float>>(inputs);
        if (Vector512.IsHardwareAccelerated) Check<float, Vector512<float>, Simd512<float>>(inputs);
    }

    [Fact]
    public void Double_exp_is_within_its_bound_for_every_width()
    {
        double[] inputs = Sweep(-760, 720, 2_000_003).Concat(DoubleSpecials).ToArray();
        Check<double, double, ScalarSimd<double>>(inputs);
        if (Vector128.IsHardwareAccelerated) Check<double, Vector128<double>, Simd128<double>>(inputs);
        if (Vector256.IsHardwareAccelerated) Check<double, Vector256<double>, Simd256<double>>(inputs);
        if (Vector512.IsHardwareAccelerated) Check<double, Vector512<double>, Simd512<double>>(inputs);
    }

    private static readonly float[] FloatSpecials =
    [
        float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f, -0f, float.Epsilon, -float.Epsilon, 1e-30f, -1e-30f,
        -87.33654f, -87.3365f, -103.2789f, -103.972f, -104f, -110f, -1e6f, float.MinValue, 88.72283f, 88.7229f, 89f, 1e6f, float.MaxValue,
        0.34657359f, -0.34657359f, 0.3465736f, 1f, -1f,
    ];

    private static readonly double[] DoubleSpecials =
    [
        double.NegativeInfinity, double.PositiveInfinity, double.NaN, 0, -0.0, double.Epsilon, 1e-300, -708.3964185322641,
        -708.4, -744.4400719213812, -745.1332191019411, -745.2, -746, -750, -1e6, double.MinValue, 709.782712893384, 709.79, 710, 1e6,
        double.MaxValue, 0.34657359027997264, -0.34657359027997264, 1, -1,
    ];

    private static IEnumerable<double> Sweep(double from, double to, int count) =>
        Enumerable.Range(0, count).Select(i => from + ((to - from) * i / (count - 1)));

    private static void Check<T, TVector, TSimd>(T[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVector : struct
        where TSimd : ISimd<T, TVector>
    {
        bool isFloat = typeof(T) == typeof(float);
        double bound = isFloat ? VectorExp<T, TVector, TSimd>.FloatRelativeErrorBound : VectorExp<T, TVector, TSimd>.DoubleRelativeErrorBound;
        double minNormal = isFloat ? 1.1754943508222875e-38 : 2.2250738585072014e-308;
        double maxFinite = isFloat ? float.MaxValue : double.MaxValue;
        double subnormalStep = isFloat ? float.Epsilon : double.Epsilon;
        int w = TSimd.Count;
        T[] lanes = new T[w], results = new T[w], nonPositives = new T[w];
        for (int start = 0; start < inputs.Length; start += w)
        {
            for (int i = 0; i < w; i++) lanes[i] = inputs[Math.Min(start + i, inputs.Length - 1)];
            TVector result = VectorExp<T, TVector, TSimd>.Exp(TSimd.Load(ref lanes[0], 0));
            TVector nonPositive = VectorExp<T, TVector, TSimd>.ExpNonPositive(TSimd.Load(ref lanes[0], 0));
            TSimd.Store(result, ref results[0], 0);
            TSimd.Store(nonPositive, ref nonPositives[0], 0);
            for (int i = 0; i < w; i++)
            {
                double x = double.CreateChecked(lanes[i]), got = double.CreateChecked(results[i]);
                double expected = Math.Exp(x);
                string where = $"{typeof(TSimd).Name} exp({x:R}) = {got:R}, expected {expected:R}";
                if (double.IsNaN(x)) Assert.True(double.IsNaN(got), where);
                else if (expected > maxFinite) Assert.True(double.IsPositiveInfinity(got), where);
                else if (expected >= minNormal) Assert.True(Math.Abs(got - expected) <= bound * expected, where);
                else Assert.True(Math.Abs(got - expected) <= subnormalStep && got >= 0, where);
                if (x < (isFloat ? -104 : -746)) Assert.True(got == 0, where);

                // The softmax's variant (no upper clamp) agrees bit for bit wherever it applies.
                if (!(x > 0)) Assert.Equal(results[i], nonPositives[i]);
            }
        }
    }
}
