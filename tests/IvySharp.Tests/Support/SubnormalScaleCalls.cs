namespace IvySharp.Tests.Support;

/// <summary>
/// Calls where scale·q underflows to ±0 for nonzero q (the smallest subnormal scale, queries of 0.25–0.75) next to a
/// −∞ key feature: the contract's score there is −∞ (weight 0), not 0·∞ = NaN. Shared by the CPU suite's
/// <c>ScaleUnderflowTests</c> and the GPU suite's <c>ScaleUnderflowOnDevice</c> (linked there).
/// </summary>
public static class SubnormalScaleCalls
{
    /// <summary>
    /// N = 2, L = 3, S = 5, E = 4, H = 2, −∞ in feature 1 of key 1, weights returned (averaged or per head); with
    /// <paramref name="causalWithProjection"/> also causal and with an output projection.
    /// </summary>
    public static MhaCall InfiniteKey(DType dtype, bool average, bool causalWithProjection = false)
    {
        var r = new Random(5);
        double[] keys = Values(r, 2 * 5 * 4);
        keys[(1 * 4) + 1] = double.NegativeInfinity;
        return new MhaCall
        {
            Query = A.F(dtype, Values(r, 2 * 3 * 4), 2, 3, 4), Key = A.F(dtype, keys, 2, 5, 4), Value = A.F(dtype, Values(r, 2 * 5 * 4), 2, 5, 4),
            NumHeads = 2, Scale = SmallestScale(dtype), IsCausal = causalWithProjection,
            OutProjWeights = causalWithProjection ? A.F(dtype, Values(r, 16), 4, 4) : null,
            ReturnAttentionWeights = true, AverageAttentionWeights = average,
        };
    }

    /// <summary>The smallest positive subnormal of the call's compute type (float16 computes in float32).</summary>
    public static double SmallestScale(DType dtype) => dtype == DType.Float64 ? double.Epsilon : float.Epsilon;

    /// <summary>Values in [0.25, 0.75): scale·q rounds to 0 below 0.5 and to the smallest subnormal above.</summary>
    public static double[] Values(Random r, int count) => Enumerable.Range(0, count).Select(_ => 0.25 + (0.5 * r.NextDouble())).ToArray();

    /// <summary>NaN exactly where <paramref name="expected"/> is NaN, ±∞ where it is, else within the dtype's tolerance (<see cref="ErrorMetric"/>).</summary>
    public static void AssertMatches(double[] expected, double[] actual, DType dtype, string label)
    {
        double error = ErrorMetric.MaxRelativeError(actual, expected, null, out int at);
        Assert.True(error <= ErrorMetric.Tolerance(dtype), $"{label}: error {error:G3} at {at}: got {(at < 0 ? double.NaN : actual[at])}, expected {(at < 0 ? double.NaN : expected[at])}");
    }
}
