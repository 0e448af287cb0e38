using IvySharp.Tests.Support;

namespace IvySharp.Tests.Conformance;

/// <summary>
/// The contract's conformance examples E1–E13 (§11), each for float32 and float64, through the static
/// call, the instance call and <c>Tensor&lt;T&gt;</c> inputs. Expected values are the contract's, given to
/// 6 decimals, so the tolerance is 1e-6 absolute (plus rounding of the printed digits).
/// </summary>
public sealed class ConformanceTests
{
    private const double Tolerance = 1.5e-6;

    public static TheoryData<DType, Route> Cases()
    {
        var data = new TheoryData<DType, Route>();
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            foreach (Route route in Enum.GetValues<Route>()) data.Add(dtype, route);
        }

        return data;
    }

    private static IvyArray X(DType dtype) => A.F(dtype, [1, 0, 0, 1], 2, 2);

    [Theory, MemberData(nameof(Cases))]
    public void E1_single_head_self_attention(DType dtype, Route route)
    {
        var result = new MhaCall { Query = X(dtype), NumHeads = 1 }.Invoke(route);
        AssertValues([0.669762, 0.330238, 0.330238, 0.669762], [2, 2], result.Output);
        Assert.Null(result.Weights);
        Assert.Equal(dtype, result.Output.DType);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E2_two_heads_with_averaged_and_per_head_weights(DType dtype, Route route)
    {
        var (output, weights) = new MhaCall { Query = X(dtype), NumHeads = 2, ReturnAttentionWeights = true }.Invoke(route);
        AssertValues([0.731059, 0.5, 0.5, 0.731059], [2, 2], output);
        AssertValues([0.615529, 0.384471, 0.384471, 0.615529], [2, 2], weights!);

        var perHead = new MhaCall { Query = X(dtype), NumHeads = 2, ReturnAttentionWeights = true, AverageAttentionWeights = false }.Invoke(route);
        AssertValues([0.731059, 0.5, 0.5, 0.731059], [2, 2], perHead.Output);
        AssertValues([0.731059, 0.268941, 0.5, 0.5, 0.5, 0.5, 0.268941, 0.731059], [2, 2, 2], perHead.Weights!);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E3_causal_with_and_without_an_ignored_attention_mask(DType dtype, Route route)
    {
        double[] expected = [1, 0, 0.330238, 0.669762];
        AssertValues(expected, [2, 2], new MhaCall { Query = X(dtype), NumHeads = 1, IsCausal = true }.Invoke(route).Output);
        var ignoredMask = A.F(dtype, [5, -100, 7, 3], 2, 2);
        AssertValues(expected, [2, 2], new MhaCall { Query = X(dtype), NumHeads = 1, IsCausal = true, AttentionMask = ignoredMask }.Invoke(route).Output);
        var ignoredBoolMask = A.B([true, true, true, true], 2, 2);
        AssertValues(expected, [2, 2], new MhaCall { Query = X(dtype), NumHeads = 1, IsCausal = true, AttentionMask = ignoredBoolMask }.Invoke(route).Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E4_key_padding_mask(DType dtype, Route route)
    {
        var result = new MhaCall { Query = X(dtype), NumHeads = 1, KeyPaddingMask = A.B([false, true], 2) }.Invoke(route);
        AssertValues([1, 0, 1, 0], [2, 2], result.Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E5_zero_attention_column(DType dtype, Route route)
    {
        var (output, weights) = new MhaCall { Query = X(dtype), NumHeads = 1, AddZeroAttn = true, ReturnAttentionWeights = true }.Invoke(route);
        AssertValues([0.50349, 0.248255, 0.248255, 0.50349], [2, 2], output);
        AssertValues([0.50349, 0.248255, 0.248255, 0.248255, 0.50349, 0.248255], [2, 3], weights!);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E6_bias_key_and_value_tokens(DType dtype, Route route)
    {
        var (output, weights) = new MhaCall
        {
            Query = X(dtype), NumHeads = 1, BiasK = A.F(dtype, [1, 1], 2), BiasV = A.F(dtype, [2, -2], 2), ReturnAttentionWeights = true,
        }.Invoke(route);
        AssertValues([1.203336, -0.604448, 1.0, -0.401112], [2, 2], output);
        AssertValues([0.401112, 0.197776, 0.401112, 0.197776, 0.401112, 0.401112], [2, 3], weights!);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E7_float_attention_mask_is_added(DType dtype, Route route)
    {
        var result = new MhaCall { Query = X(dtype), NumHeads = 1, AttentionMask = A.F(dtype, [0, -1, 0, 0], 2, 2) }.Invoke(route);
        AssertValues([0.846461, 0.153539, 0.330238, 0.669762], [2, 2], result.Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E8_scale_zero_gives_uniform_attention(DType dtype, Route route)
    {
        var result = new MhaCall { Query = X(dtype), NumHeads = 1, Scale = 0 }.Invoke(route);
        AssertValues([0.5, 0.5, 0.5, 0.5], [2, 2], result.Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E9_scale_one(DType dtype, Route route)
    {
        var result = new MhaCall { Query = X(dtype), NumHeads = 1, Scale = 1 }.Invoke(route);
        AssertValues([0.731059, 0.268941, 0.268941, 0.731059], [2, 2], result.Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E10_packed_in_projection_and_out_projection(DType dtype, Route route)
    {
        var (output, weights) = new MhaCall
        {
            Query = X(dtype),
            NumHeads = 2,
            InProjWeights = A.F(dtype, [0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1], 6, 2),
            InProjBias = A.F(dtype, [.1, -.1, .2, 0, 0, .3], 6),
            OutProjWeights = A.F(dtype, [1, 2, 0, 1, 1, 1], 3, 2),
            OutProjBias = A.F(dtype, [0, 1, -1], 3),
            ReturnAttentionWeights = true,
        }.Invoke(route);
        AssertValues([3.55075, 2.35025, 1.2005, 3.5515, 2.3505, 1.201], [2, 3], output);
        AssertValues([0.4975, 0.5025, 0.495, 0.505], [2, 2], weights!);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E11_batched_samples_are_attended_separately(DType dtype, Route route)
    {
        var query = A.F(dtype, [1, 0, 0, 1, 2, 0, 0, 2], 2, 2, 2);
        var result = new MhaCall { Query = query, NumHeads = 1 }.Invoke(route);
        AssertValues([0.669762, 0.330238, 0.330238, 0.669762, 1.888386, 0.111614, 0.111614, 1.888386], [2, 2, 2], result.Output);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E12_fully_masked_rows_give_zeros_not_nan(DType dtype, Route route)
    {
        var (output, weights) = new MhaCall
        {
            Query = X(dtype), NumHeads = 1, KeyPaddingMask = A.B([true, true], 2), ReturnAttentionWeights = true,
        }.Invoke(route);
        AssertValues([0, 0, 0, 0], [2, 2], output);
        AssertValues([0, 0, 0, 0], [2, 2], weights!);
    }

    [Theory, MemberData(nameof(Cases))]
    public void E13_sequence_first_cross_attention_with_per_head_weights(DType dtype, Route route)
    {
        // N = 1, so (L, N, E) and (N, L, E) hold the same bytes: the batch-first instance route reshapes.
        bool instance = route == Route.Instance;
        var query = A.F(dtype, [0, .2, .4, .6, .8, 1], instance ? [1, 3, 2] : [3, 1, 2]);
        var keyValue = A.F(dtype, [0, .2, .4, .6, .8, 1, 1.2, 1.4], instance ? [1, 4, 2] : [4, 1, 2]);
        var (output, weights) = new MhaCall
        {
            Query = query, Key = keyValue, Value = keyValue, BatchFirst = instance, NumHeads = 2,
            ReturnAttentionWeights = true, AverageAttentionWeights = false,
        }.Invoke(route);
        AssertValues([0.6, 0.839928, 0.679425, 0.918084, 0.755532, 0.991455], instance ? [1, 3, 2] : [3, 1, 2], output);
        AssertValues(
            [.25, .25, .25, .25, .193547, .227129, .266538, .312786, .145237, .20001, .275439, .379315,
             .220846, .239239, .259165, .28075, .1683, .213952, .271986, .345762, .124417, .185608, .276895, .413079],
            [1, 2, 3, 4], weights!);
    }

    private static void AssertValues(double[] expected, int[] shape, IvyArray actual)
    {
        Assert.Equal(shape, actual.Shape);
        double[] values = actual.ToArray<double>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(double.IsNaN(values[i]), $"NaN at {i}");
            Assert.True(Math.Abs(values[i] - expected[i]) <= Tolerance, $"element {i}: expected {expected[i]}, got {values[i]}");
        }
    }
}
