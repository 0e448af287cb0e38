using IvySharp.Kernels;
using System.Buffers;
using System.Numerics.Tensors;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Arrays;

/// <summary>
/// <see cref="IvyArray"/>'s public surface: wrapping without copies, shape errors, conversions, tensors
/// (dense and strided, as inputs and as <c>@out</c>), text and indexing.
/// </summary>
public sealed class IvyArrayTests
{
    // ---------------------------------------------------------------- From(T[], shape)

    [Fact]
    public void From_wraps_the_array_without_copying()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        var array = IvyArray.From(data, 2, 3);
        Assert.Equal([2, 3], array.Shape);
        Assert.Equal(DType.Float32, array.DType);
        Assert.Equal(2, array.Rank);
        Assert.Equal(6, array.Size);

        data[4] = 40;
        Assert.Equal(40, array[1, 1]);
        Assert.Equal(40f, array.ToArray<float>()[4]);
    }

    [Fact]
    public void From_without_shape_is_one_dimensional()
    {
        var array = IvyArray.From(new double[] { 1, 2, 3 });
        Assert.Equal([3], array.Shape);
        Assert.Equal(DType.Float64, array.DType);
    }

    [Fact]
    public void From_keeps_its_own_copy_of_the_shape()
    {
        int[] shape = [2, 3];
        var array = IvyArray.From(new float[6], shape);
        shape[0] = 3;
        array.Shape[1] = 99; // Shape hands out a copy
        Assert.Equal([2, 3], array.Shape);
    }

    [Fact]
    public void From_rejects_a_shape_that_does_not_match_the_data()
    {
        var ex = Assert.Throws<ArgumentException>(() => IvyArray.From(new float[6], 4, 2));
        Assert.Equal("shape", ex.ParamName);
        Assert.Contains("(4, 2)", ex.Message);
        Assert.Contains("8", ex.Message);
        Assert.Contains("6", ex.Message);
    }

    [Theory]
    [InlineData(new[] { -1 })]
    [InlineData(new[] { -2, -3 })] // product 6 matches the data, yet negative
    [InlineData(new[] { 3, -2, 0 })]
    public void From_rejects_negative_dimensions(int[] shape)
    {
        var ex = Assert.Throws<ArgumentException>(() => IvyArray.From(new float[6], shape));
        Assert.Equal("shape", ex.ParamName);
        Assert.Contains("non-negative", ex.Message);
    }

    [Fact]
    public void Zeros_rejects_negative_dimensions()
    {
        var ex = Assert.Throws<ArgumentException>(() => IvyArray.Zeros(DType.Float32, 2, -3));
        Assert.Equal("shape", ex.ParamName);
        Assert.Contains("(2, -3)", ex.Message);
    }

    [Fact]
    public void Element_count_overflow_is_rejected()
    {
        var fromEx = Assert.Throws<ArgumentException>(() => IvyArray.From(Array.Empty<float>(), 65536, 65536));
        Assert.Equal("shape", fromEx.ParamName);
        Assert.Contains("(65536, 65536)", fromEx.Message);

        var zerosEx = Assert.Throws<ArgumentException>(() => IvyArray.Zeros(DType.Float64, 1 << 16, 1 << 15, 2));
        Assert.Equal("shape", zerosEx.ParamName);
        Assert.Contains(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), zerosEx.Message);
    }

    [Fact]
    public void An_empty_axis_makes_a_large_shape_empty_not_overflowing()
    {
        var array = IvyArray.From(Array.Empty<float>(), 65536, 65536, 0);
        Assert.Equal(0, array.Size);
        Assert.Equal([65536, 65536, 0], array.Shape);
        Assert.Equal(0, IvyArray.Zeros(DType.Bool, 0, 1 << 30, 1 << 30).Size);
    }

    [Fact]
    public void From_rejects_null_data_and_unsupported_element_types()
    {
        Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => IvyArray.From<float>(null!, 1)).ParamName);
        Assert.Contains("Int32", Assert.ThrowsAny<ArgumentException>(() => IvyArray.From(new int[3])).Message);
        Assert.ThrowsAny<ArgumentException>(() => IvyArray.From(new float[3]).ToArray<int>());
    }

    [Fact]
    public void Zeros_has_the_dtype_and_shape_asked_for()
    {
        foreach (DType dtype in Enum.GetValues<DType>())
        {
            var zeros = IvyArray.Zeros(dtype, 2, 3);
            Assert.Equal(dtype, zeros.DType);
            Assert.Equal([2, 3], zeros.Shape);
            Assert.All(zeros.ToArray<double>(), x => Assert.Equal(0.0, x));
        }
    }

    // ---------------------------------------------------------------- ToArray conversions

    [Fact]
    public void ToArray_converts_between_dtypes()
    {
        var floats = IvyArray.From(new float[] { 1.5f, -2f, 0f, 0.1f });
        Assert.Equal([1.5, -2, 0, (double)0.1f], floats.ToArray<double>());
        Assert.Equal([(Half)1.5f, (Half)(-2f), (Half)0f, (Half)0.1f], floats.ToArray<Half>());
        Assert.Equal([true, true, false, true], floats.ToArray<bool>());

        var doubles = IvyArray.From(new double[] { 0.1, 1e300, -3 });
        Assert.Equal([0.1f, float.PositiveInfinity, -3f], doubles.ToArray<float>());
        Assert.Equal([(Half)0.1, Half.PositiveInfinity, (Half)(-3.0)], doubles.ToArray<Half>());

        var halves = IvyArray.From(new Half[] { (Half)0.1, Half.NaN });
        Assert.Equal((double)(Half)0.1, halves.ToArray<double>()[0]);
        Assert.True(float.IsNaN(halves.ToArray<float>()[1]));
        Assert.Equal([true, true], halves.ToArray<bool>()); // NaN != 0

        var bools = IvyArray.From(new[] { true, false });
        Assert.Equal([1f, 0f], bools.ToArray<float>());
        Assert.Equal([(Half)1, (Half)0], bools.ToArray<Half>());
    }

    [Fact]
    public void ToArray_is_a_copy()
    {
        float[] data = [1, 2];
        var array = IvyArray.From(data);
        float[] copy = array.ToArray<float>();
        copy[0] = 100;
        Assert.Equal(1f, data[0]);
        Assert.NotSame(data, copy);
    }

    // ---------------------------------------------------------------- ToTensor

    [Fact]
    public void ToTensor_of_a_wrapped_array_shares_its_memory()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        var array = IvyArray.From(data, 3, 2);
        Tensor<float> tensor = array.ToTensor<float>();
        Assert.Equal([(nint)3, 2], tensor.Lengths.ToArray());
        tensor[[2, 1]] = 60;
        Assert.Equal(60f, data[5]);
        Assert.Equal(60, array[2, 1]);
    }

    [Fact]
    public void ToTensor_of_a_wrapped_tensor_is_that_tensor()
    {
        var tensor = Tensor.Create(new double[] { 1, 2, 3, 4 }, [2, 2]);
        Assert.Same(tensor, IvyArray.From(tensor).ToTensor<double>());

        Tensor<double> strided = tensor.Slice([new NRange(0, 2), new NRange(1, 2)]);
        Assert.Same(strided, IvyArray.From(strided).ToTensor<double>());
    }

    [Fact]
    public void ToTensor_of_another_element_type_is_a_converted_copy()
    {
        float[] data = [1, 2, 3, 4];
        var array = IvyArray.From(data, 2, 2);
        Tensor<double> tensor = array.ToTensor<double>();
        Assert.Equal([1.0, 2, 3, 4], tensor.ToArray());
        tensor[[0, 0]] = 10;
        Assert.Equal(1f, data[0]);
    }

    // ---------------------------------------------------------------- implicit conversions

    [Fact]
    public void Tensors_of_every_supported_type_convert_implicitly_without_copying()
    {
        float[] f = [1, 2];
        var tf = Tensor.Create(f, [2]);
        IvyArray af = tf;
        f[0] = 7;
        Assert.Equal((DType.Float32, 7.0), (af.DType, af[0]));

        double[] d = [1, 2, 3, 4];
        var td = Tensor.Create(d, [2, 2]);
        IvyArray ad = td;
        d[3] = 8;
        Assert.Equal((DType.Float64, 8.0), (ad.DType, ad[1, 1]));

        Half[] h = [(Half)1, (Half)2];
        var th = Tensor.Create(h, [1, 2]);
        IvyArray ah = th;
        h[1] = (Half)9;
        Assert.Equal((DType.Float16, 9.0), (ah.DType, ah[0, 1]));
        Assert.Equal([1, 2], ah.Shape);

        bool[] b = [false, false];
        var tb = Tensor.Create(b, [2]);
        IvyArray ab = tb;
        b[1] = true;
        Assert.Equal((DType.Bool, 1.0), (ab.DType, ab[1]));
    }

    [Fact]
    public void Null_tensors_convert_to_null()
    {
        Tensor<float>? f = null;
        Tensor<double>? d = null;
        Tensor<Half>? h = null;
        Tensor<bool>? b = null;
        IvyArray? af = f, ad = d, ah = h, ab = b;
        Assert.Null(af);
        Assert.Null(ad);
        Assert.Null(ah);
        Assert.Null(ab);
    }

    // ---------------------------------------------------------------- tensors through attention

    [Fact]
    public void Dense_tensor_out_receives_the_result_in_its_own_memory()
    {
        var query = Values(DType.Float32, 2, 3, 4);
        float[] expected = query.MultiHeadAttention(numHeads: 2).Output.ToArray<float>();

        float[] backing = new float[24];
        Tensor<float> outTensor = Tensor.Create(backing, [2, 3, 4]);
        var result = Ivy.MultiHeadAttention(query, numHeads: 2, @out: outTensor);

        Assert.Same(outTensor, result.Output.ToTensor<float>());
        Assert.Equal(expected, backing);
        Assert.Equal(expected, outTensor.ToArray());
    }

    [Fact]
    public void Dense_row_slice_out_is_written_in_place_and_nothing_else()
    {
        // Rows 1..3 of a (4, 3, 4) tensor are dense but start mid-buffer.
        var query = Values(DType.Float32, 2, 3, 4);
        float[] expected = query.MultiHeadAttention(numHeads: 2).Output.ToArray<float>();
        float[] backing = Enumerable.Repeat(-7f, 48).ToArray();
        var parent = Tensor.Create(backing, [4, 3, 4]);
        Tensor<float> rows = parent.Slice([new NRange(1, 3), NRange.All, NRange.All]);

        Ivy.MultiHeadAttention(query, numHeads: 2, @out: rows);

        Assert.Equal(expected, backing[12..36]);
        Assert.All(backing[..12].Concat(backing[36..]), x => Assert.Equal(-7f, x));
    }

    [Fact]
    public void Strided_tensor_slice_is_read_through_its_strides()
    {
        // Features 1..5 of a (2, 3, 6) tensor: a (2, 3, 4) view that is not dense.
        var parent = Tensor.Create(Ramp(36).Select(x => (float)x).ToArray(), [2, 3, 6]);
        Tensor<float> view = parent.Slice([NRange.All, NRange.All, new NRange(1, 5)]);
        Assert.False(view.IsDense);

        var dense = IvyArray.From(view.ToArray(), 2, 3, 4);
        var expected = Ivy.MultiHeadAttention(dense, numHeads: 2, returnAttentionWeights: true);
        var viaView = Ivy.MultiHeadAttention(view, view, view, numHeads: 2, returnAttentionWeights: true);

        Assert.Equal(expected.Output.ToArray<float>(), viaView.Output.ToArray<float>());
        Assert.Equal(expected.Weights!.ToArray<float>(), viaView.Weights!.ToArray<float>());
        IvyArray wrapped = view;
        Assert.Equal(dense.ToArray<float>(), wrapped.ToArray<float>());
        Assert.Equal(parent[[1, 2, 4]], (float)wrapped[1, 2, 3]);
    }

    [Fact]
    public void Strided_tensor_out_is_written_through_its_strides_and_nothing_else()
    {
        var query = Values(DType.Float32, 2, 3, 4);
        float[] expected = query.MultiHeadAttention(numHeads: 2).Output.ToArray<float>();
        const float untouched = -7f;
        float[] backing = Enumerable.Repeat(untouched, 36).ToArray();
        var parent = Tensor.Create(backing, [2, 3, 6]);
        Tensor<float> view = parent.Slice([NRange.All, NRange.All, new NRange(1, 5)]);
        Assert.False(view.IsDense);

        var result = Ivy.MultiHeadAttention(query, numHeads: 2, @out: view);

        Assert.Equal(expected, view.ToArray());
        Assert.Equal(expected, result.Output.ToArray<float>());
        for (int row = 0; row < 6; row++)
        {
            Assert.Equal(untouched, backing[row * 6]);
            Assert.Equal(untouched, backing[(row * 6) + 5]);
            Assert.Equal(expected[(row * 4)..((row * 4) + 4)], backing[((row * 6) + 1)..((row * 6) + 5)]);
        }
    }

    [Fact]
    public void Strided_tensor_out_of_another_dtype_gets_the_converted_result()
    {
        var query = Values(DType.Float32, 2, 3, 4);
        float[] expected = query.MultiHeadAttention(numHeads: 2).Output.ToArray<float>();
        double[] backing = Enumerable.Repeat(-7.0, 36).ToArray();
        var parent = Tensor.Create(backing, [2, 3, 6]);
        Tensor<double> view = parent.Slice([NRange.All, NRange.All, new NRange(1, 5)]);

        Ivy.MultiHeadAttention(query, numHeads: 2, @out: view);

        Assert.Equal(expected.Select(x => (double)x).ToArray(), view.ToArray());
        for (int row = 0; row < 6; row++) Assert.Equal((-7.0, -7.0), (backing[row * 6], backing[(row * 6) + 5]));
    }

    // ---------------------------------------------------------------- float16

    // A float16 call is computed in float32 and rounded once to float16 (contract §1). Rounding to the
    // nearest float16 moves a value by at most 2⁻¹¹ of its magnitude (half an ulp, 11-bit significand),
    // or 2⁻²⁵ in the subnormal range; the float32 accumulation itself may differ from the float32 call's
    // by re-association, allowed 1e-5 (float32 results here are O(1), accurate to ~1e-7 each).
    private static bool WithinHalfPrecision(double half, double single) =>
        Math.Abs(half - single) <= (Math.Abs(single) * Math.Pow(2, -11)) + Math.Pow(2, -25) + 1e-5;

    [Fact]
    public void Float16_call_returns_float16_matching_float32_within_half_precision()
    {
        var half = Full(DType.Float16);
        var single = Full(DType.Float32);
        Assert.Equal(
            A.D(half.Query), A.D(single.Query)); // same (rounded) inputs

        var h = half.Invoke();
        var s = single.Invoke();
        Assert.Equal(DType.Float16, h.Output.DType);
        Assert.Equal(DType.Float16, h.Weights!.DType);
        Assert.Equal(s.Output.Shape, h.Output.Shape);
        AssertWithinHalf(A.D(h.Output), A.D(s.Output));
        AssertWithinHalf(A.D(h.Weights), A.D(s.Weights!));
    }

    [Fact]
    public void Out_of_another_float_dtype_gets_the_converted_result()
    {
        // float32 → float64 and float64 → float32 / float16 are plain conversions of the call's result.
        var single = Full(DType.Float32);
        float[] f = single.Invoke().Output.ToArray<float>();
        var out64 = IvyArray.Zeros(DType.Float64, 2, 3, 6);
        Assert.Same(out64, (single with { Out = out64 }).Invoke().Output);
        Assert.Equal(f.Select(x => (double)x).ToArray(), A.D(out64));

        var out16 = IvyArray.Zeros(DType.Float16, 2, 3, 6);
        (single with { Out = out16 }).Invoke();
        Assert.Equal(f.Select(x => (Half)x).ToArray(), out16.ToArray<Half>());

        var @double = Full(DType.Float64);
        double[] d = @double.Invoke().Output.ToArray<double>();
        var out32 = IvyArray.Zeros(DType.Float32, 2, 3, 6);
        (@double with { Out = out32 }).Invoke();
        Assert.Equal(d.Select(x => (float)x).ToArray(), out32.ToArray<float>());

        // float16 → float32: the call's result is float16; @out receives exactly that result, converted.
        var half = Full(DType.Float16);
        double[] h = A.D(half.Invoke().Output);
        foreach (KernelVariant variant in KernelVariant.All.Where(KernelSelector.IsSupported))
        {
            using var pinned = KernelSelector.Use(variant);
            var halfOut32 = IvyArray.Zeros(DType.Float32, 2, 3, 6);
            (half with { Out = halfOut32 }).Invoke();
            Assert.Equal(h, A.D(halfOut32));
        }
    }

    // ---------------------------------------------------------------- ToString and indexer

    [Fact]
    public void ToString_shows_values_shape_and_dtype()
    {
        Assert.Equal(
            "ivy.array([[1, 0.5], [-2, 0]], shape=(2, 2), dtype=float32)",
            IvyArray.From(new float[] { 1, 0.5f, -2, 0 }, 2, 2).ToString());
        Assert.Equal(
            "ivy.array([True, False], shape=(2,), dtype=bool)",
            IvyArray.From(new[] { true, false }).ToString());
        Assert.Equal("ivy.array([0.25], shape=(1,), dtype=float16)", IvyArray.From(new[] { (Half)0.25 }).ToString());
        Assert.Equal("ivy.array([], shape=(0,), dtype=float64)", IvyArray.From(Array.Empty<double>()).ToString());
    }

    [Fact]
    public void ToString_abbreviates_more_than_1000_elements()
    {
        double[] values = Enumerable.Range(0, 1001).Select(i => (double)i).ToArray();
        Assert.Equal(
            "ivy.array([0, 1, 2, ..., 998, 999, 1000], shape=(1001,), dtype=float64)",
            IvyArray.From(values).ToString());

        // Exactly 1000 is printed in full.
        string full = IvyArray.From(values[..1000]).ToString();
        Assert.DoesNotContain("...", full);
        Assert.Contains("500, 501", full);

        // Every axis is abbreviated: 6 of 40 rows, each with 6 of 30 values.
        string matrix = IvyArray.From(Enumerable.Range(0, 1200).Select(i => (float)i).ToArray(), 40, 30).ToString();
        Assert.StartsWith("ivy.array([[0, 1, 2, ..., 27, 28, 29], [30, 31, 32, ..., 57, 58, 59], [60, 61, 62, ..., 87, 88, 89], ..., [1110,", matrix);
        Assert.EndsWith("[1170, 1171, 1172, ..., 1197, 1198, 1199]], shape=(40, 30), dtype=float32)", matrix);
        Assert.Equal(7, matrix.Split("...").Length - 1); // one per printed row, one for the rows
    }

    [Fact]
    public void Indexer_reads_any_element_as_double()
    {
        var floats = IvyArray.From(new float[] { 0, 1, 2, 3, 4, 5 }, 2, 3);
        Assert.Equal(5, floats[1, 2]);
        Assert.Equal(3, floats[1, 0]);
        Assert.Equal(0.5, IvyArray.From(new[] { (Half)0.5 }, 1, 1, 1)[0, 0, 0]);
        Assert.Equal(1.0, IvyArray.From(new[] { false, true })[1]);
    }

    [Fact]
    public void Indexer_rejects_wrong_arity_and_out_of_range()
    {
        var array = IvyArray.From(new float[6], 2, 3);
        Assert.Equal("index", Assert.Throws<ArgumentException>(() => array[1]).ParamName);
        Assert.Throws<ArgumentException>(() => array[0, 0, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[0, 3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[-1, 0]);
    }

    // ---------------------------------------------------------------- helpers

    private static double[] Ramp(int count) => Enumerable.Range(0, count).Select(i => Math.Sin(i * 0.7) * 1.5).ToArray();

    private static IvyArray Values(DType dtype, params int[] shape) =>
        A.F(dtype, Ramp(shape.Aggregate(1, (a, b) => a * b)), shape);

    /// <summary>
    /// A call that touches every float path: batched cross-attention with packed projection and biases,
    /// bias tokens, a float mask, an output projection to O = 6, per-head weights returned. The values are
    /// float16-representable so the float16 and float32 calls see the same inputs.
    /// </summary>
    private static MhaCall Full(DType dtype)
    {
        IvyArray V(params int[] shape)
        {
            double[] values = Ramp(shape.Aggregate(1, (a, b) => a * b) + shape.Sum()).Skip(shape.Sum())
                .Select(x => (double)(Half)(x * 0.5)).ToArray();
            return A.F(dtype, values, shape);
        }

        return new MhaCall
        {
            Query = V(2, 3, 4),
            Key = V(2, 5, 4),
            Value = V(2, 5, 4),
            NumHeads = 2,
            InProjWeights = V(12, 4),
            InProjBias = V(12),
            BiasK = V(4),
            BiasV = V(1, 1, 4),
            AttentionMask = V(3, 5),
            OutProjWeights = V(6, 4),
            OutProjBias = V(6),
            ReturnAttentionWeights = true,
            AverageAttentionWeights = false,
        };
    }

    private static void AssertWithinHalf(double[] half, double[] single)
    {
        Assert.Equal(single.Length, half.Length);
        for (int i = 0; i < half.Length; i++)
        {
            Assert.True(WithinHalfPrecision(half[i], single[i]), $"element {i}: float16 {half[i]}, float32 {single[i]}");
        }
    }
}
