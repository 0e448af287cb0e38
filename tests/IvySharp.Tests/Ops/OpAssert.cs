namespace IvySharp.Tests.Ops;

/// <summary>Element-wise comparisons for the op tests.</summary>
public static class OpAssert
{
    /// <summary>Same length, and each element equal to <paramref name="digits"/> decimal places (xunit's scalar rule).</summary>
    public static void Equal(double[] expected, double[] actual, int digits)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], digits);
    }
}
