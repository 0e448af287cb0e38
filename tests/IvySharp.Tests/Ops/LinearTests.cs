using System.Numerics.Tensors;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>Ivy.Linear's semantics one by one: known values, shapes, empty axes, NaN, @out, views, forms.</summary>
public sealed class LinearTests
{
    private static readonly double[] X = [1, 2, 3, 4];          // (2, 2)
    private static readonly double[] W = [1, 0, 0, 1, 1, 1];    // (3, 2)
    private static readonly double[] B = [0.5, -1, 0];
    private static readonly double[] Y = [1.5, 1, 3, 3.5, 3, 7]; // x·Wᵀ + b, (2, 3)

    public static TheoryData<DType> DTypes() => [DType.Float64, DType.Float32, DType.Float16];

    [Theory, MemberData(nameof(DTypes))]
    public void Known_values_in_every_dtype(DType dtype)
    {
        IvyArray y = Ivy.Linear(A.F(dtype, X, 2, 2), A.F(dtype, W, 3, 2), A.F(dtype, B, 3));
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal(dtype, y.DType);
        Assert.Equal(Y, A.D(y));
    }

    [Fact]
    public void Without_bias_and_with_a_vector_input()
    {
        Assert.Equal([1.0, 2, 3], A.D(Ivy.Linear(A.F(DType.Float32, [1, 2], 2), A.F(DType.Float32, W, 3, 2))));
    }

    [Fact]
    public void Leading_axes_are_kept()
    {
        IvyArray x = A.F(DType.Float64, [.. Enumerable.Range(0, 2 * 3 * 4 * 5).Select(i => (double)i)], 2, 3, 4, 5);
        IvyArray w = A.F(DType.Float64, [.. Enumerable.Range(0, 7 * 5).Select(i => i * 0.5)], 7, 5);
        IvyArray y = Ivy.Linear(x, w);
        Assert.Equal([2, 3, 4, 7], y.Shape);
        Assert.Equal(ReferenceOps.Linear(A.D(x), 24, 5, A.D(w), 7, null), A.D(y));
    }

    [Fact]
    public void Empty_axes_give_empty_results_and_zero_input_features_give_the_bias()
    {
        IvyArray w0 = A.F(DType.Float32, [], 3, 0);
        Assert.Equal([2, 3], Ivy.Linear(A.F(DType.Float32, [], 2, 0), w0).Shape);
        Assert.Equal([0.0, 0, 0, 0, 0, 0], A.D(Ivy.Linear(A.F(DType.Float32, [], 2, 0), w0)));
        Assert.Equal([0.5, -1, 0, 0.5, -1, 0], A.D(Ivy.Linear(A.F(DType.Float32, [], 2, 0), w0, A.F(DType.Float32, B, 3))));
        Assert.Equal([0, 4, 3], Ivy.Linear(A.F(DType.Float32, [], 0, 4, 2), A.F(DType.Float32, W, 3, 2)).Shape);
        Assert.Equal([2, 0], Ivy.Linear(A.F(DType.Float32, X, 2, 2), A.F(DType.Float32, [], 0, 2)).Shape);
    }

    [Fact]
    public void A_NaN_reaches_only_its_own_row()
    {
        IvyArray y = Ivy.Linear(A.F(DType.Float32, [1, double.NaN, 3, 4], 2, 2), A.F(DType.Float32, W, 3, 2));
        double[] v = A.D(y);
        Assert.All(v[..3], e => Assert.True(double.IsNaN(e)));
        Assert.Equal([3.0, 4, 7], v[3..]);
    }

    [Fact]
    public void Out_receives_the_result_and_is_returned_also_when_it_is_x()
    {
        IvyArray w = A.F(DType.Float64, [2, 1, 0, 3], 2, 2);
        double[] data = [1, 2, 3, 4];
        IvyArray x = IvyArray.From(data, 2, 2);
        IvyArray y = Ivy.Linear(x, w, @out: x);
        Assert.Same(x, y);
        Assert.Equal([4.0, 6, 10, 12], data);
    }

    [Fact]
    public void A_float16_call_writes_its_float16_result_into_a_float32_out()
    {
        double[] x = [1.0 / 3, 0.1];
        IvyArray output = IvyArray.Zeros(DType.Float32, 1, 1);
        Ivy.Linear(A.F(DType.Float16, x, 1, 2), A.F(DType.Float16, [1, 1], 1, 2), @out: output);
        double half = A.D(Ivy.Linear(A.F(DType.Float16, x, 1, 2), A.F(DType.Float16, [1, 1], 1, 2)))[0];
        Assert.Equal(half, A.D(output)[0]);
    }

    [Fact]
    public void Tensors_views_and_the_instance_form_agree_with_arrays()
    {
        float[] memory = [.. Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i))];
        Tensor<float> view = Tensor.Create(memory, 3, [2, 2], [10, 2]); // strided: elements 3, 5, 13, 15
        IvyArray dense = IvyArray.From(new[] { memory[3], memory[5], memory[13], memory[15] }, 2, 2);
        IvyArray w = A.F(DType.Float32, W, 3, 2), b = A.F(DType.Float32, B, 3);
        double[] expected = A.D(Ivy.Linear(dense, w, b));
        Assert.Equal(expected, A.D(Ivy.Linear(view, w, b)));
        Tensor<float> tensor = Tensor.Create(new[] { memory[3], memory[5], memory[13], memory[15] }, [2, 2]);
        Assert.Equal(expected, A.D(Ivy.Linear(tensor, w, b)));
        Assert.Equal(expected, A.D(dense.Linear(w, b)));
    }
}
