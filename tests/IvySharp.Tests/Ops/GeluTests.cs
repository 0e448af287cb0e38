using System.Globalization;
using System.Numerics.Tensors;
using IvySharp.Kernels.Ops;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Ops;

/// <summary>Ivy.Gelu: the float64 error against mpmath, the limits, @out in place, views and forms.</summary>
public sealed class GeluTests(ITestOutputHelper log)
{
    private const double SmallestNormal = 2.2250738585072014E-308;

    /// <summary>
    /// The library's float64 GELU against mpmath's (50 digits, rounded to float64) on 2006 points of [−37, 12] and
    /// near 0, both forms. Relative error where the exact value is a normal double; below that (x &lt; −37.5 would
    /// underflow) the absolute error must be below the smallest normal. Bound for the exact form: 6e-16 (about 3 ulps;
    /// erfc alone is within 4.7e-16 by tools/golden/erfc_coefficients.py, the product 0.5·x·erfc adds one rounding).
    /// The tanh form is measured as error / (1 + 2|u|), u = √(2/π)·(x + 0.044715·x³): u is rounded in float64 (up to
    /// ~5 roundings, 5.5e-16 relative) and the tail is exp(2u), so its relative error grows with |u|; the bound is
    /// 6e-16 · (1 + 2|u|).
    /// </summary>
    [Theory]
    [InlineData(false, 6e-16)]
    [InlineData(true, 6e-16)]
    public void Float64_error_against_mpmath_is_within_the_stated_bound(bool approximate, double bound)
    {
        (double[] x, double[] exact, double[] tanh) = OpGoldenCase.GeluHighPrecision();
        double[] expected = approximate ? tanh : exact;
        double[] got = A.D(Ivy.Gelu(IvyArray.From((double[])x.Clone()), approximate));
        double worst = 0, worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (Math.Abs(expected[i]) >= SmallestNormal)
            {
                double u = Math.Sqrt(2 / Math.PI) * (x[i] + (0.044715 * x[i] * x[i] * x[i]));
                double error = Math.Abs(got[i] - expected[i]) / Math.Abs(expected[i]) / (approximate ? 1 + Math.Abs(2 * u) : 1);
                if (error > worst) (worst, worstX) = (error, x[i]);
            }
            else
            {
                Assert.True(Math.Abs(got[i] - expected[i]) < SmallestNormal, $"x = {x[i]:R}: got {got[i]:R}, expected {expected[i]:R}");
            }
        }

        AccuracyLog.Write(log, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: gelu-{(approximate ? "tanh" : "exact")} float64 against mpmath worst relative error{(approximate ? " / (1 + 2|u|)" : "")} {worst:0.0e+0} at x = {worstX:R} over {x.Length} points, bound {bound:0.0e+0}"));
        Assert.True(worst <= bound, $"worst relative error {worst:R} at x = {worstX:R}");
    }

    /// <summary>GELU's own exp (every width's) against Math.Exp on [−746, 0]: within 1 ulp where normal, and within one
    /// subnormal step below 2⁻¹⁰²², where both round once.</summary>
    [Fact]
    public void Own_exp_is_within_an_ulp_of_Math_Exp()
    {
        var rng = new Random(5);
        double worstUlps = 0;
        for (int i = 0; i < 200_000; i++)
        {
            double v = i < 100 ? -745.2 + (i * 0.01) : -746 * rng.NextDouble();
            double mine = OpExp.NonPositive<double, OpLanesScalar>(v), libm = Math.Exp(v);
            double ulp = Math.Max(double.Epsilon, Math.BitIncrement(Math.Abs(libm)) - Math.Abs(libm));
            worstUlps = Math.Max(worstUlps, Math.Abs(mine - libm) / ulp);
        }

        AccuracyLog.Write(log, string.Create(CultureInfo.InvariantCulture, $"accuracy: gelu's exp against Math.Exp worst {worstUlps:0.00} ulp over 200000 points of [-746, 0]"));
        Assert.True(worstUlps <= 1, $"{worstUlps} ulps");
        Assert.Equal(0.0, OpExp.NonPositive<double, OpLanesScalar>(-800));
        Assert.Equal(1.0, OpExp.NonPositive<double, OpLanesScalar>(0));
        Assert.True(double.IsNaN(OpExp.NonPositive<double, OpLanesScalar>(double.NaN)));
    }

    /// <summary>
    /// The float32 evaluation (<see cref="GeluSingle"/>, every width) against the float64 path (itself within 6e-16 of
    /// mpmath, above) on a dense sweep of [−16, 12] (2⁻¹² apart) and 100000 random points: every width gives the same
    /// bits, and the relative error is within the stated bound where the result is a normal float (the tanh form's
    /// divided by 1 + 2|u|, as in float64: u is rounded in float32 and the tail is exp(2u)); a subnormal result is
    /// within 8 subnormal steps plus that relative bound (exp and the product underflow gradually). Measured on the exact form: 5.2 ulp
    /// (5.7e-7) worst, near the smallest normal; almost all points within 2 ulps.
    /// </summary>
    [Theory]
    [InlineData(false, GeluSingle.RelativeErrorBound)]
    [InlineData(true, 3e-7)]
    public void Float32_evaluation_is_within_the_stated_bound_of_float64_on_every_width(bool approximate, double bound)
    {
        var rng = new Random(11);
        float[] x = [.. Enumerable.Range(0, (28 * 4096) + 1).Select(i => (float)(-16 + (i / 4096.0))), .. Enumerable.Range(0, 100_000).Select(_ => (float)((rng.NextDouble() * 28) - 16))];
        double[] expected = new double[x.Length];
        GeluKernel.Map([.. x.Select(v => (double)v)], expected, approximate, IvySharp.Kernels.SimdWidth.Scalar);
        float[]? first = null;
        foreach (IvySharp.Kernels.SimdWidth width in new[] { IvySharp.Kernels.SimdWidth.Vector512, IvySharp.Kernels.SimdWidth.Vector256, IvySharp.Kernels.SimdWidth.Vector128, IvySharp.Kernels.SimdWidth.Scalar })
        {
            float[] got = new float[x.Length];
            GeluSingle.Map(x, got, approximate, width); // an unaccelerated width runs emulated: slower, the same bits
            first ??= got;
            Assert.True(first.AsSpan().SequenceEqual(got), $"{width} differs from the first width's bits");
        }

        double worst = 0, worstX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double u = Math.Sqrt(2 / Math.PI) * (x[i] + (0.044715 * x[i] * x[i] * x[i]));
            double growth = approximate ? 1 + Math.Abs(2 * u) : 1;
            if (Math.Abs(expected[i]) >= 1.17549435e-38)
            {
                double error = Math.Abs(first![i] - expected[i]) / Math.Abs(expected[i]) / growth;
                if (error > worst) (worst, worstX) = (error, x[i]);
            }
            else
            {
                double allowed = (8 * (double)float.Epsilon) + (bound * growth * Math.Abs(expected[i]));
                Assert.True(Math.Abs(first![i] - expected[i]) <= allowed, $"x = {x[i]:R}: got {first[i]:R}, expected {expected[i]:R}");
            }
        }

        AccuracyLog.Write(log, string.Create(CultureInfo.InvariantCulture,
            $"accuracy: gelu-{(approximate ? "tanh" : "exact")} float32 evaluation against float64 worst relative error{(approximate ? " / (1 + 2|u|)" : "")} {worst:0.0e+0} at x = {worstX:R} over {x.Length} points, bound {bound:0.0e+0}"));
        Assert.True(worst <= bound, $"worst relative error {worst:R} at x = {worstX:R}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32_limits_and_specials(bool approximate)
    {
        float[] got = (Ivy.Gelu(IvyArray.From(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -1e4f, 1e4f, float.MaxValue, float.MinValue }), approximate)).ToArray<float>();
        Assert.Equal(float.PositiveInfinity, got[0]);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(got[1]));
        Assert.True(float.IsNaN(got[2]));
        Assert.Equal(0f, got[3]);
        Assert.Equal(0f, got[4]); // −0: the tail underflows
        Assert.Equal(1e4f, got[5]);
        Assert.Equal(float.MaxValue, got[6]);
        Assert.Equal(0f, got[7]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Limits_and_specials(bool approximate)
    {
        double[] got = A.D(Ivy.Gelu(IvyArray.From(new[] { double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0.0, -1e4, 1e4 }), approximate));
        Assert.Equal(double.PositiveInfinity, got[0]);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(got[1]));
        Assert.True(double.IsNaN(got[2]));
        Assert.Equal(0.0, got[3]);
        Assert.Equal(0.0, got[4]); // −0: the tail underflows
        Assert.Equal(1e4, got[5]);
    }

    [Fact]
    public void Known_values()
    {
        // PyTorch 1.13, float64: F.gelu(x) and F.gelu(x, approximate='tanh') at x = 1, −1, 0.5.
        double[] exact = A.D(Ivy.Gelu(IvyArray.From(new[] { 1.0, -1.0, 0.5 })));
        double[] tanh = A.D(Ivy.Gelu(IvyArray.From(new[] { 1.0, -1.0, 0.5 }), approximate: true));
        OpAssert.Equal([0.841344746068543, -0.15865525393145702, 0.34573123063700656], exact, 14);
        OpAssert.Equal([0.8411919906082768, -0.15880800939172324, 0.34571400982514394], tanh, 14);
    }

    [Fact]
    public void Out_may_be_x_and_receives_the_same_bits()
    {
        float[] data = [.. Enumerable.Range(0, 5000).Select(i => (float)(Math.Sin(i) * 6))];
        double[] expected = A.D(Ivy.Gelu(IvyArray.From((float[])data.Clone())));
        IvyArray x = IvyArray.From(data);
        Assert.Same(x, x.Gelu(@out: x));
        Assert.Equal(expected, A.D(x));
    }

    [Fact]
    public void Rank_zero_empty_views_and_tensors()
    {
        Assert.Empty(IvyArray.Zeros(DType.Float32).Shape);
        Assert.Equal(Array.Empty<int>(), Ivy.Gelu(IvyArray.Zeros(DType.Float32)).Shape);
        Assert.Equal([3, 0], Ivy.Gelu(IvyArray.Zeros(DType.Float16, 3, 0)).Shape);
        double[] memory = [.. Enumerable.Range(0, 20).Select(i => i - 10.0)];
        Tensor<double> view = Tensor.Create(memory, 1, [3, 2], [6, 3]);
        IvyArray dense = IvyArray.From(new[] { memory[1], memory[4], memory[7], memory[10], memory[13], memory[16] }, 3, 2);
        Assert.Equal(A.D(Ivy.Gelu(dense)), A.D(Ivy.Gelu(view)));
        Assert.Equal(A.D(Ivy.Gelu(dense)), A.D(Ivy.Gelu(Tensor.Create(A.D(dense), [3, 2]))));
    }

    [Fact]
    public void A_float16_call_writes_its_float16_result_into_a_float64_out()
    {
        IvyArray x = A.F(DType.Float16, [0.3, -1.7, 2.2], 3);
        IvyArray output = IvyArray.Zeros(DType.Float64, 3);
        Ivy.Gelu(x, @out: output);
        Assert.Equal(A.D(Ivy.Gelu(x)), A.D(output));
    }
}
