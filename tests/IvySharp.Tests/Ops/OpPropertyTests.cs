using CsCheck;
using IvySharp.Tests.Reliability;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>
/// Properties that hold for every input, checked with CsCheck's shrinking generators (a failure prints the seed
/// and the smallest input it found): identities the reference comparison cannot see, because they relate calls.
/// </summary>
public sealed class OpPropertyTests
{
    /// <summary>GELU(x) − GELU(−x) = x·(Φ(x) + Φ(−x)) = x: the odd part of GELU is the identity.</summary>
    [Fact]
    public void Gelu_minus_its_mirror_is_x()
    {
        Gen.Double[-38, 38].Array[1, 40].Sample(x =>
        {
            double[] plus = A.D(Ivy.Gelu(IvyArray.From(x)));
            double[] minus = A.D(Ivy.Gelu(IvyArray.From(x.Select(v => -v).ToArray())));
            for (int i = 0; i < x.Length; i++)
            {
                // Each GELU is within a few ulps of the larger of |x| and its value.
                Assert.True(Math.Abs(plus[i] - minus[i] - x[i]) <= 4e-16 * Math.Abs(x[i]) * 4, $"x = {x[i]:R}");
            }
        }, iter: 200);
    }

    /// <summary>Without scale, offset and eps, every group comes out with mean 0 and population variance 1.</summary>
    [Fact]
    public void LayerNorm_groups_have_mean_zero_and_unit_variance()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[2, 70], Gen.Double[-1e3, 1e3], Gen.Double[1e-3, 1e3]).Sample((rows, g, mean, spread) =>
        {
            var rng = new Random(rows * 7919 + g);
            double[] x = [.. Enumerable.Range(0, rows * g).Select(_ => mean + (spread * OpCalls.Normal(rng)))];
            double[] y = A.D(Ivy.LayerNorm(IvyArray.From(x, rows, g), [-1], eps: 0));
            for (int r = 0; r < rows; r++)
            {
                double[] group = y[(r * g)..((r + 1) * g)];
                double m = group.Average(), v = group.Select(e => (e - m) * (e - m)).Average();
                Assert.True(Math.Abs(m) < 1e-12 * (1 + Math.Abs(mean) / spread), $"mean {m:R}");
                Assert.True(Math.Abs(v - 1) < 1e-12 * (1 + Math.Abs(mean) / spread), $"variance {v:R}");
            }
        }, iter: 200);
    }

    /// <summary>Linear rows are independent: a batch gives each row the bits it gets alone, on every variant.</summary>
    [Fact]
    public void Linear_gives_a_row_the_same_bits_in_a_batch_and_alone()
    {
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 70], Gen.Int[1, 40], Gen.Int[0, 1000]).Sample((rows, inF, outF, seed) =>
        {
            var rng = new Random(seed);
            (IvyArray x, double[] xv) = OpCalls.Values(rng, DType.Float32, [rows, inF], 1, 0);
            (IvyArray w, _) = OpCalls.Values(rng, DType.Float32, [outF, inF], 0.2, 0);
            foreach (string variant in KernelVariants.Supported)
            {
                using var pinned = KernelVariants.Use(variant);
                double[] batch = A.D(Ivy.Linear(x, w));
                for (int r = 0; r < rows; r++)
                {
                    double[] alone = A.D(Ivy.Linear(A.F(DType.Float32, xv[(r * inF)..((r + 1) * inF)], inF), w));
                    Assert.Equal(alone, batch[(r * outF)..((r + 1) * outF)]);
                }
            }
        }, iter: 60);
    }
}
