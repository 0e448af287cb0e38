using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reference;

/// <summary>
/// The reference itself against the contract's examples E1–E13 (§11), so that agreeing with it means
/// agreeing with the contract and not only with a second reading of it. Values are the contract's, to
/// 6 decimals, hence the 1e-6 tolerance (plus rounding of the printed digits).
/// </summary>
public sealed class ReferenceConformanceTests
{
    private const double Tolerance = 1.5e-6;

    private static IvyArray X => A.F(DType.Float64, [1, 0, 0, 1], 2, 2);

    [Fact]
    public void E1_single_head() =>
        Check(new MhaCall { Query = X, NumHeads = 1 }, [0.669762, 0.330238, 0.330238, 0.669762], [2, 2]);

    [Fact]
    public void E2_two_heads_averaged_and_per_head()
    {
        Check(new MhaCall { Query = X, NumHeads = 2, ReturnAttentionWeights = true },
            [0.731059, 0.5, 0.5, 0.731059], [2, 2], [0.615529, 0.384471, 0.384471, 0.615529], [2, 2]);
        Check(new MhaCall { Query = X, NumHeads = 2, ReturnAttentionWeights = true, AverageAttentionWeights = false },
            [0.731059, 0.5, 0.5, 0.731059], [2, 2], [0.731059, 0.268941, 0.5, 0.5, 0.5, 0.5, 0.268941, 0.731059], [2, 2, 2]);
    }

    [Fact]
    public void E3_causal_ignores_the_attention_mask()
    {
        Check(new MhaCall { Query = X, NumHeads = 1, IsCausal = true }, [1, 0, 0.330238, 0.669762], [2, 2]);
        Check(new MhaCall { Query = X, NumHeads = 1, IsCausal = true, AttentionMask = A.F(DType.Float64, [5, -100, 7, 3], 2, 2) },
            [1, 0, 0.330238, 0.669762], [2, 2]);
    }

    [Fact]
    public void E4_key_padding() =>
        Check(new MhaCall { Query = X, NumHeads = 1, KeyPaddingMask = A.B([false, true], 2) }, [1, 0, 1, 0], [2, 2]);

    [Fact]
    public void E5_zero_token() =>
        Check(new MhaCall { Query = X, NumHeads = 1, AddZeroAttn = true, ReturnAttentionWeights = true },
            [0.50349, 0.248255, 0.248255, 0.50349], [2, 2], [0.50349, 0.248255, 0.248255, 0.248255, 0.50349, 0.248255], [2, 3]);

    [Fact]
    public void E6_bias_tokens() =>
        Check(new MhaCall
        {
            Query = X, NumHeads = 1, BiasK = A.F(DType.Float64, [1, 1], 2), BiasV = A.F(DType.Float64, [2, -2], 2),
            ReturnAttentionWeights = true,
        }, [1.203336, -0.604448, 1.0, -0.401112], [2, 2], [0.401112, 0.197776, 0.401112, 0.197776, 0.401112, 0.401112], [2, 3]);

    [Fact]
    public void E7_to_E9_float_mask_and_scale()
    {
        Check(new MhaCall { Query = X, NumHeads = 1, AttentionMask = A.F(DType.Float64, [0, -1, 0, 0], 2, 2) },
            [0.846461, 0.153539, 0.330238, 0.669762], [2, 2]);
        Check(new MhaCall { Query = X, NumHeads = 1, Scale = 0 }, [0.5, 0.5, 0.5, 0.5], [2, 2]);
        Check(new MhaCall { Query = X, NumHeads = 1, Scale = 1 }, [0.731059, 0.268941, 0.268941, 0.731059], [2, 2]);
    }

    [Fact]
    public void E10_projections() =>
        Check(new MhaCall
        {
            Query = X,
            NumHeads = 2,
            InProjWeights = A.F(DType.Float64, [0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1], 6, 2),
            InProjBias = A.F(DType.Float64, [.1, -.1, .2, 0, 0, .3], 6),
            OutProjWeights = A.F(DType.Float64, [1, 2, 0, 1, 1, 1], 3, 2),
            OutProjBias = A.F(DType.Float64, [0, 1, -1], 3),
            ReturnAttentionWeights = true,
        }, [3.55075, 2.35025, 1.2005, 3.5515, 2.3505, 1.201], [2, 3], [0.4975, 0.5025, 0.495, 0.505], [2, 2]);

    [Fact]
    public void E11_batched() =>
        Check(new MhaCall { Query = A.F(DType.Float64, [1, 0, 0, 1, 2, 0, 0, 2], 2, 2, 2), NumHeads = 1 },
            [0.669762, 0.330238, 0.330238, 0.669762, 1.888386, 0.111614, 0.111614, 1.888386], [2, 2, 2]);

    [Fact]
    public void E12_fully_masked_rows_are_zero() =>
        Check(new MhaCall { Query = X, NumHeads = 1, KeyPaddingMask = A.B([true, true], 2), ReturnAttentionWeights = true },
            [0, 0, 0, 0], [2, 2], [0, 0, 0, 0], [2, 2]);

    [Fact]
    public void E13_sequence_first_per_head()
    {
        var keyValue = A.F(DType.Float64, [0, .2, .4, .6, .8, 1, 1.2, 1.4], 4, 1, 2);
        Check(new MhaCall
        {
            Query = A.F(DType.Float64, [0, .2, .4, .6, .8, 1], 3, 1, 2), Key = keyValue, Value = keyValue, BatchFirst = false,
            NumHeads = 2, ReturnAttentionWeights = true, AverageAttentionWeights = false,
        },
        [0.6, 0.839928, 0.679425, 0.918084, 0.755532, 0.991455], [3, 1, 2],
        [.25, .25, .25, .25, .193547, .227129, .266538, .312786, .145237, .20001, .275439, .379315,
         .220846, .239239, .259165, .28075, .1683, .213952, .271986, .345762, .124417, .185608, .276895, .413079],
        [1, 2, 3, 4]);
    }

    private static void Check(MhaCall call, double[] output, int[] outputShape, double[]? weights = null, int[]? weightsShape = null)
    {
        ReferenceResult result = ReferenceAttention.Compute(call);
        Assert.Equal(outputShape, result.OutputShape);
        AssertClose(output, result.Output);
        if (weights is null)
        {
            Assert.Null(result.Weights);
            return;
        }

        Assert.Equal(weightsShape, result.WeightsShape);
        AssertClose(weights, result.Weights!);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
