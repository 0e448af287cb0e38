using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// Three packed multiplications run as one fan-out (<see cref="Gemm{T}.RunTogether"/>, a layer's q, k and v
/// projections) give the bits of three separate runs, on every variant and thread count, with calls of different
/// sizes, an empty one, and weights packed for different widths; bad arguments are refused before anything is written.
/// </summary>
public sealed partial class GemmTests
{
    [Theory]
    [InlineData(27, 27, 27, 384)] // the sentence layer's three projections (N = 3, L = S = 9)
    [InlineData(9, 40, 40, 64)]   // a cross call: fewer query rows than key rows
    [InlineData(13, 0, 31, 100)]  // an empty middle call
    [InlineData(300, 5, 1, 2100)] // k blocks, and calls too small to fan out beside a large one
    public void Three_calls_run_together_give_the_bits_of_three_separate_runs(int queryRows, int keyRows, int valueRows, int depth)
    {
        const int columns = 96, headSize = 16;
        var cases = new[]
        {
            Case<float>.Random(queryRows, columns, depth, depth, withBias: true, seed: 1),
            Case<float>.Random(keyRows, columns, depth, depth + 3, withBias: true, seed: 2),
            Case<float>.Random(valueRows, columns, depth, depth, withBias: false, seed: 3),
        };
        foreach (KernelVariant variant in SupportedVariants)
        {
            PackedWeights<float>[] packed = [.. cases.Select(c => Gemm<float>.Pack(c.W, columns, depth, c.Bias, variant))];
            var layouts = cases.Select(c => HeadMajor(c.Rows, columns, headSize)).ToArray();
            foreach (int threads in new[] { 1, 2 })
            {
                using var scope = KernelSelector.Use(threads: threads);
                float[][] expected = [.. layouts.Select(l => Filled(l.Length))], actual = [.. layouts.Select(l => Filled(l.Length))];
                for (int i = 0; i < 3; i++)
                {
                    Gemm<float>.Run(packed[i], cases[i].X, cases[i].Rows, cases[i].XStride, expected[i], layouts[i].Rows, layouts[i].Columns);
                }

                Gemm<float>.RunTogether(Call(0), Call(1), Call(2));
                for (int i = 0; i < 3; i++) Assert.True(SameBits<float>(expected[i], actual[i]), $"{variant}, {threads} threads, call {i}");

                GemmCall<float> Call(int i) => new(packed[i], cases[i].X, cases[i].Rows, cases[i].XStride, actual[i], layouts[i].Rows, layouts[i].Columns);
            }
        }
    }

    [Fact]
    public void Calls_packed_for_different_widths_run_together_one_after_the_other()
    {
        var c = Case<float>.Random(20, 40, 50, 50, withBias: true, seed: 6);
        var (rows, columnOffsets, length) = HeadMajor(20, 40, 8);
        KernelVariant[] variants = [KernelSelector.Best, KernelVariant.Scalar, KernelVariant.Simple];
        PackedWeights<float>[] packed = [.. variants.Select(v => Gemm<float>.Pack(c.W, 40, 50, c.Bias, v))];
        float[][] actual = [Filled(length), Filled(length), Filled(length)];
        Gemm<float>.RunTogether(
            new GemmCall<float>(packed[0], c.X, 20, 50, actual[0], rows, columnOffsets),
            new GemmCall<float>(packed[1], c.X, 20, 50, actual[1], rows, columnOffsets),
            new GemmCall<float>(packed[2], c.X, 20, 50, actual[2], rows, columnOffsets));

        // Every variant gives the same bits, so the three results agree with one another and with a plain run.
        float[] expected = Filled(length);
        Gemm<float>.Run(packed[2], c.X, 20, 50, expected, rows, columnOffsets);
        foreach (float[] result in actual) Assert.True(SameBits<float>(expected, result));
    }

    [Fact]
    public void Running_together_checks_every_call_before_writing()
    {
        float[] x = new float[6], w = new float[6], destination = new float[4], other = new float[4];
        PackedWeights<float> packed = Gemm<float>.Pack(w, 2, 3, default, KernelSelector.Best);
        int[] rows = [0, 2], columns = [0, 1];
        // GemmCall is a ref struct: each lambda builds its own calls.
        Assert.Throws<ArgumentException>(() => Gemm<float>.RunTogether(
            new GemmCall<float>(packed, x, 2, 3, destination, rows, columns), new GemmCall<float>(packed, x, 2, 3, destination, rows, columns),
            new GemmCall<float>(packed, x, 3, 3, other, [0, 2, 4], columns))); // x short
        Assert.Throws<ArgumentException>(() => Gemm<float>.RunTogether(
            new GemmCall<float>(packed, x, 2, 3, destination, rows, columns), new GemmCall<float>(packed, x, 2, 3, other, [0, 3], columns),
            new GemmCall<float>(packed, x, 2, 3, destination, rows, columns))); // offset outside
        Assert.Throws<ArgumentException>(() => Gemm<float>.RunTogether(
            new GemmCall<float>(packed, x, 2, 3, destination, rows, columns), new GemmCall<float>(packed, x, 2, 3, destination, rows, columns),
            new GemmCall<float>(packed, x, 2, 3, other, [0], columns))); // a row offset missing
        Assert.All(destination, v => Assert.Equal(0f, v));
        Assert.All(other, v => Assert.Equal(0f, v));
    }

    private static float[] Filled(int length)
    {
        float[] buffer = new float[length];
        Array.Fill(buffer, float.NaN);
        return buffer;
    }
}
