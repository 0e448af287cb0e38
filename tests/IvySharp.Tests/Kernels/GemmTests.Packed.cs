using System.Numerics;
using System.Runtime.Intrinsics;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Simd;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// Weights packed once (<see cref="Gemm{T}.Pack"/>) and run many times give the per-call path's bits on every
/// variant, whatever the rows of x, the layout or the thread count; the packing belongs to one width.
/// </summary>
public sealed partial class GemmTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 17, 33)]
    [InlineData(33, 65, 100)]
    [InlineData(100, 257, 31)]
    [InlineData(13, 50, 2100)] // k blocks: two for float, three for double
    public void Weights_packed_once_and_run_many_times_match_the_per_call_path_bit_for_bit(int rows, int columns, int depth)
    {
        PackedMatchesPerCall(Case<float>.Random(rows, columns, depth, depth + 1, withBias: true, seed: rows + columns), headSize: 16);
        PackedMatchesPerCall(Case<double>.Random(rows, columns, depth, depth, withBias: false, seed: depth), headSize: 64);
    }

    [Fact]
    public void One_packing_serves_calls_with_any_number_of_rows()
    {
        // Tiling depends on the rows (slivers, row blocks, remainders): the packed panels must not.
        const int columns = 70, depth = 300;
        var c = Case<float>.Random(301, columns, depth, depth, withBias: true, seed: 9);
        foreach (KernelVariant variant in SupportedVariants)
        {
            PackedWeights<float> packed = Gemm<float>.Pack(c.W, columns, depth, c.Bias, variant);
            foreach (int rows in new[] { 0, 1, 5, 8, 9, 31, 224, 301 })
            {
                float[] expected = new float[Math.Max(1, rows * columns)], actual = new float[expected.Length];
                Gemm<float>.MultiplyTransposed(c.X, rows, depth, depth, c.W, columns, c.Bias, expected, columns, variant);
                Gemm<float>.Run(packed, c.X, rows, depth, actual, columns);
                Assert.True(SameBits<float>(expected, actual), $"{variant}, {rows} rows");
            }
        }
    }

    [Fact]
    public void The_packed_layout_does_not_depend_on_the_thread_count()
    {
        var c = Case<float>.Random(1, 500, 700, 700, withBias: true, seed: 4);
        foreach (KernelVariant variant in SupportedVariants)
        {
            PackedWeights<float> one, two;
            using (KernelSelector.Use(threads: 1)) one = Gemm<float>.Pack(c.W, 500, 700, c.Bias, variant);
            using (KernelSelector.Use(threads: 2)) two = Gemm<float>.Pack(c.W, 500, 700, c.Bias, variant);
            Assert.True(SameBits<float>(one.Weights[..(int)one.WeightsLength], two.Weights[..(int)two.WeightsLength]), $"{variant}: panels");
            Assert.True(SameBits<float>(one.Bias, two.Bias), $"{variant}: bias");
        }
    }

    [Fact]
    public void Packing_copies_the_weights_so_later_changes_to_them_do_not_reach_it()
    {
        var c = Case<float>.Random(9, 20, 40, 40, withBias: true, seed: 5);
        foreach (KernelVariant variant in SupportedVariants)
        {
            float[] w = (float[])c.W.Clone(), bias = (float[])c.Bias.Clone();
            PackedWeights<float> packed = Gemm<float>.Pack(w, 20, 40, bias, variant);
            float[] before = new float[9 * 20], after = new float[9 * 20];
            Gemm<float>.Run(packed, c.X, 9, 40, before, 20);
            Array.Fill(w, 1f);
            Array.Fill(bias, 1f);
            Gemm<float>.Run(packed, c.X, 9, 40, after, 20);
            Assert.True(SameBits<float>(before, after), $"{variant}");
        }
    }

    [Fact]
    public void Weights_packed_for_one_width_are_refused_by_another()
    {
        float[] x = new float[8], w = new float[8], destination = new float[4];
        PackedWeights<float> scalar = Gemm<float>.Pack(w, 2, 4, default, KernelVariant.Scalar);
        PackedWeights<float> plain = Gemm<float>.Pack(w, 2, 4, default, KernelVariant.Simple);
        Assert.Equal(SimdWidth.Scalar, scalar.Width);
        Assert.Throws<ArgumentException>(() => GemmDriver<float, Vector128<float>, Simd128<float>>.Run(scalar, x, 2, 4, destination, default, default, 2));
        Assert.Throws<ArgumentException>(() => GemmDriver<float, float, ScalarSimd<float>>.Run(plain, x, 2, 4, destination, default, default, 2));
    }

    [Fact]
    public void Packed_runs_check_their_arguments_before_writing()
    {
        float[] x = new float[6], w = new float[6], destination = new float[4];
        PackedWeights<float> packed = Gemm<float>.Pack(w, 2, 3, default, KernelSelector.Best);
        Assert.Throws<ArgumentException>(() => Gemm<float>.Run(packed, x, 3, 3, destination, 2));                 // x short
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm<float>.Run(packed, x, 2, 2, destination, 2));      // stride < depth
        Assert.Throws<ArgumentException>(() => Gemm<float>.Run(packed, x, 2, 3, new float[3], 2));               // destination short
        Assert.Throws<ArgumentException>(() => Gemm<float>.Run(packed, x, 2, 3, destination, [0, 3], [0, 1]));   // offset outside
        Assert.Throws<ArgumentException>(() => Gemm<float>.Pack(w, 3, 3, default, KernelSelector.Best));         // w short
        Assert.All(destination, v => Assert.Equal(0f, v));
    }

    /// <summary>Each variant: one packing, run twice dense and once head-major, against the per-call path.</summary>
    private static void PackedMatchesPerCall<T>(Case<T> c, int headSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rowOffsets, columnOffsets, length) = HeadMajor(c.Rows, c.Columns, headSize);
        int stride = c.Columns + 3;
        foreach (KernelVariant variant in SupportedVariants)
        {
            PackedWeights<T> packed = Gemm<T>.Pack(c.W, c.Columns, c.Depth, c.Bias, variant);
            T[] expected = c.RunDense(variant, stride);
            for (int run = 0; run < 2; run++)
            {
                var y = new T[c.Rows * stride];
                Array.Fill(y, T.NaN);
                Gemm<T>.Run(packed, c.X, c.Rows, c.XStride, y, stride);
                Assert.True(SameBits<T>(expected, y), $"{variant} {typeof(T).Name} run {run} at {c.Rows}×{c.Columns}×{c.Depth}");
            }

            T[] scattered = new T[length], packedScattered = new T[length];
            Gemm<T>.MultiplyTransposed(c.X, c.Rows, c.Depth, c.XStride, c.W, c.Columns, c.Bias, scattered, rowOffsets, columnOffsets, variant);
            Gemm<T>.Run(packed, c.X, c.Rows, c.XStride, packedScattered, rowOffsets, columnOffsets);
            Assert.True(SameBits<T>(scattered, packedScattered), $"{variant} {typeof(T).Name} head-major at {c.Rows}×{c.Columns}×{c.Depth}");
        }
    }
}
