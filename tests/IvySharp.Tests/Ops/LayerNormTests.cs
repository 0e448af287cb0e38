using System.Numerics.Tensors;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>Ivy.LayerNorm's semantics one by one: known values, axes, the offset choice, edges, extremes, @out, forms.</summary>
public sealed class LayerNormTests
{
    public static TheoryData<DType> DTypes() => [DType.Float64, DType.Float32, DType.Float16];

    [Theory, MemberData(nameof(DTypes))]
    public void Known_values_population_variance(DType dtype)
    {
        // mean 2.5, population variance 1.25: (x − 2.5)/√1.25.
        double[] y = A.D(Ivy.LayerNorm(A.F(dtype, [1, 2, 3, 4], 4), [-1], eps: 0));
        double[] expected = [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738];
        OpAssert.Equal(expected, y, dtype == DType.Float16 ? 3 : dtype == DType.Float32 ? 6 : 15);
    }

    [Fact]
    public void Scale_offset_and_newStd_apply_in_Ivys_order()
    {
        IvyArray x = A.F(DType.Float64, [1, 2, 3, 4, 10, 10, 10, 14], 2, 4);
        IvyArray scale = A.F(DType.Float64, [1, 2, 3, 4], 4), offset = A.F(DType.Float64, [0, 1, 0, -1], 4);
        double[] plain = A.D(Ivy.LayerNorm(x, [1], eps: 0.5));
        double[] full = A.D(Ivy.LayerNorm(x, [1], scale, offset, eps: 0.5, newStd: 3));
        for (int i = 0; i < 8; i++) Assert.Equal(((plain[i] * (1 + (i % 4))) + new[] { 0.0, 1, 0, -1 }[i % 4]) * 3, full[i], 14);
    }

    [Fact]
    public void An_offset_without_a_scale_is_applied()
    {
        IvyArray x = A.F(DType.Float32, [1, 5, 2, 8], 2, 2), offset = A.F(DType.Float32, [10, 20], 2);
        double[] plain = A.D(Ivy.LayerNorm(x, [-1]));
        double[] shifted = A.D(Ivy.LayerNorm(x, [-1], offset: offset, newStd: 2));
        for (int i = 0; i < 4; i++) Assert.Equal((plain[i] + new[] { 10.0, 20 }[i % 2]) * 2, shifted[i], 5);
    }

    [Fact]
    public void Any_axes_equal_the_trailing_case_after_a_transpose()
    {
        // x (2, 3, 4) normalised over axis 1 = x transposed to (2, 4, 3) normalised over the last axis.
        double[] x = [.. Enumerable.Range(0, 24).Select(i => Math.Sin(i) * 3)];
        double[] t = new double[24];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++) t[(a * 12) + (c * 3) + b] = x[(a * 12) + (b * 4) + c];
        double[] onAxis = A.D(Ivy.LayerNorm(IvyArray.From(x, 2, 3, 4), [1], A.F(DType.Float64, [1, 2, 3], 3, 1)));
        double[] trailing = A.D(Ivy.LayerNorm(IvyArray.From(t, 2, 4, 3), [-1], A.F(DType.Float64, [1, 2, 3], 3)));
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++) Assert.Equal(trailing[(a * 12) + (c * 3) + b], onAxis[(a * 12) + (b * 4) + c], 14);
    }

    [Fact]
    public void A_constant_group_gives_zero_with_eps_and_NaN_without()
    {
        IvyArray x = A.F(DType.Float32, [7, 7, 7, 1, 2, 3], 2, 3);
        Assert.Equal([0.0, 0, 0], A.D(Ivy.LayerNorm(x, [-1]))[..3]);
        Assert.Equal([5.0, 5, 5], A.D(Ivy.LayerNorm(x, [-1], offset: A.F(DType.Float32, [5], 1)))[..3]);
        double[] noEps = A.D(Ivy.LayerNorm(x, [-1], eps: 0));
        Assert.All(noEps[..3], v => Assert.True(double.IsNaN(v)));
        Assert.All(noEps[3..], v => Assert.True(double.IsFinite(v)));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_non_finite_value_makes_only_its_group_NaN(double bad)
    {
        double[] y = A.D(Ivy.LayerNorm(A.F(DType.Float64, [1, bad, 3, 1, 2, 3], 2, 3), [-1]));
        Assert.All(y[..3], v => Assert.True(double.IsNaN(v)));
        Assert.Equal(A.D(Ivy.LayerNorm(A.F(DType.Float64, [1, 2, 3], 3), [-1])), y[3..]);
    }

    [Theory]
    [InlineData(1.0, 1000)]
    [InlineData(-1.9, 1023)]
    [InlineData(1.0, -1000)]
    [InlineData(1.0, -1060)]
    public void Finite_extremes_normalise_like_ordinary_values(double mantissa, int exponent)
    {
        // With eps = 0, layer norm is invariant to scaling x by a power of two (a negative factor flips the signs):
        // the statistics must neither overflow (Σx² of 2¹⁰²³-sized values) nor underflow (2⁻¹⁰⁶⁰ is subnormal).
        double factor = Math.ScaleB(mantissa, exponent);
        double[] x = [0.25, -0.5, 0.125, 1];
        double[] expected = A.D(Ivy.LayerNorm(IvyArray.From(x.Select(v => v * mantissa).ToArray()), [0], eps: 0));
        double[] got = A.D(Ivy.LayerNorm(IvyArray.From(x.Select(v => v * factor).ToArray()), [0], eps: 0));
        for (int i = 0; i < x.Length; i++) Assert.Equal(expected[i], got[i], 14);
    }

    [Fact]
    public void Empty_inputs_give_empty_results()
    {
        Assert.Equal([0, 4], Ivy.LayerNorm(IvyArray.Zeros(DType.Float32, 0, 4), [-1]).Shape);
        Assert.Equal([2, 0], Ivy.LayerNorm(IvyArray.Zeros(DType.Float64, 2, 0), [-1], A.F(DType.Float64, [], 0)).Shape);
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Out_may_be_x_on_trailing_and_other_axes(DType dtype)
    {
        double[] values = [.. Enumerable.Range(0, 60).Select(i => Math.Cos(i) * 4)];
        foreach (int[] axes in new[] { new[] { -1 }, new[] { 0, 2 } })
        {
            double[] expected = A.D(Ivy.LayerNorm(A.F(dtype, values, 3, 4, 5), axes));
            IvyArray x = A.F(dtype, values, 3, 4, 5);
            Assert.Same(x, x.LayerNorm(axes, @out: x));
            Assert.Equal(expected, A.D(x));
        }
    }

    [Fact]
    public void Out_overlapping_x_by_a_shift_still_gets_the_right_result()
    {
        double[] memory = [.. Enumerable.Range(0, 13).Select(i => Math.Sin(i))];
        Tensor<double> x = Tensor.Create(memory, 0, [3, 4], [4, 1]);
        double[] expected = A.D(Ivy.LayerNorm(IvyArray.From(memory[..12], 3, 4), [-1]));
        Tensor<double> shifted = Tensor.Create(memory, 1, [3, 4], [4, 1]);
        Ivy.LayerNorm(x, [-1], @out: shifted);
        Assert.Equal(expected, memory[1..13]);
    }

    [Fact]
    public void A_float16_call_writes_its_float16_result_into_a_float32_out()
    {
        IvyArray x = A.F(DType.Float16, [0.3, -1.7, 2.2, 0.9], 4);
        IvyArray output = IvyArray.Zeros(DType.Float32, 4);
        Ivy.LayerNorm(x, [-1], @out: output);
        Assert.Equal(A.D(Ivy.LayerNorm(x, [-1])), A.D(output));
    }

    [Fact]
    public void Tensors_views_the_instance_form_and_the_axes_array_left_alone()
    {
        float[] memory = [.. Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i))];
        Tensor<float> view = Tensor.Create(memory, 2, [2, 3], [10, 3]);
        IvyArray dense = IvyArray.From(new[] { memory[2], memory[5], memory[8], memory[12], memory[15], memory[18] }, 2, 3);
        int[] axes = [-1];
        double[] expected = A.D(Ivy.LayerNorm(dense, axes));
        Assert.Equal(expected, A.D(Ivy.LayerNorm(view, axes)));
        Assert.Equal(expected, A.D(dense.LayerNorm(axes)));
        Assert.Equal([-1], axes);
    }
}
