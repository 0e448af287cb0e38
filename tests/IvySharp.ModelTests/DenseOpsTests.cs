using SentenceSimilarity.Encoder;

namespace IvySharp.ModelTests;

/// <summary>The sample's operations outside attention, against plain double-precision loops.</summary>
public sealed class DenseOpsTests
{
    [Fact]
    public void Erf_is_within_5e7_of_the_exact_function_everywhere()
    {
        var x = new float[160_001];
        for (int i = 0; i < x.Length; i++) x[i] = -8f + (i * 1e-4f);
        float[] erf = (float[])x.Clone();
        Erf.InPlace(erf);

        double worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(erf[i] - ExactErf(x[i])));
        Assert.True(worst <= 5e-7, $"max |erf error| {worst:E3}");
    }

    [Fact]
    public void Gelu_is_the_erf_form()
    {
        var random = new Random(7);
        const int width = 1536;
        float[] x = Enumerable.Range(0, 3 * width).Select(_ => (float)((random.NextDouble() * 16) - 8)).ToArray();
        float[] gelu = (float[])x.Clone();
        DenseOps.Gelu(gelu, width);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = 0.5 * x[i] * (1 + ExactErf(x[i] / Math.Sqrt(2)));
            Assert.True(Math.Abs(gelu[i] - expected) <= 2e-6 * Math.Max(1, Math.Abs(expected)), $"gelu({x[i]}) = {gelu[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Linear_and_layer_norm_match_plain_loops()
    {
        var random = new Random(11);
        const int rows = 7, inFeatures = 24, outFeatures = 40; // 7 rows: a partial block of 4
        float[] R(int count) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        float[] x = R(rows * inFeatures), w = R(inFeatures * outFeatures), b = R(outFeatures);
        float[] scale = R(outFeatures), shift = R(outFeatures);

        float[] y = DenseOps.Linear(x, rows, IvyArray.From(w, inFeatures, outFeatures), IvyArray.From(b, outFeatures));
        DenseOps.LayerNorm(y, outFeatures, IvyArray.From(scale, outFeatures), IvyArray.From(shift, outFeatures));

        for (int r = 0; r < rows; r++)
        {
            var row = new double[outFeatures];
            for (int o = 0; o < outFeatures; o++)
            {
                row[o] = b[o];
                for (int k = 0; k < inFeatures; k++) row[o] += (double)x[(r * inFeatures) + k] * w[(k * outFeatures) + o];
            }

            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (int o = 0; o < outFeatures; o++)
            {
                double expected = ((row[o] - mean) / Math.Sqrt(variance + 1e-12) * scale[o]) + shift[o];
                Assert.Equal(expected, y[(r * outFeatures) + o], 5e-5);
            }
        }
    }

    /// <summary>erf in double: its Taylor series below 3, the continued fraction of erfc above.</summary>
    private static double ExactErf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 3)
        {
            double sum = 0, power = x;
            for (int n = 0; n < 100; n++)
            {
                double term = power / ((2 * n) + 1);
                sum += term;
                if (Math.Abs(term) < 1e-17) break;
                power *= -x * x / (n + 1);
            }

            return 2 / Math.Sqrt(Math.PI) * sum;
        }

        double fraction = ax;
        for (int k = 60; k >= 1; k--) fraction = ax + (k / 2.0 / fraction);
        return Math.Sign(x) * (1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / fraction));
    }
}
