using System.Numerics;
using System.Runtime.InteropServices;
using IvySharp.Kernels;
using IvySharp.Kernels.Gemm;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// The projection GEMM against a float64 triple loop: every variant, float and double, ragged sizes,
/// bias on and off, dense and scattered (head-major) destinations, one and two threads. Every variant
/// runs the same fused multiply-add chain per element, so besides the error bound they must agree
/// with each other, and with themselves across thread counts and layouts, bit for bit.
/// </summary>
public sealed partial class GemmTests
{
    private static readonly int[] s_sizes = [0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 100, 257];

    private static IEnumerable<KernelVariant> SupportedVariants => KernelVariant.All.Where(KernelSelector.IsSupported);

    [Fact]
    public void Float_ragged_shapes_match_the_float64_loop_on_every_variant_bit_for_bit() => RaggedShapes<float>();

    [Fact]
    public void Double_ragged_shapes_match_the_float64_loop_on_every_variant_bit_for_bit() => RaggedShapes<double>();

    [Fact]
    public void Float_projection_at_depth_768_is_within_1e6_of_float64_on_every_variant()
    {
        // Simple is skipped here only for time: the other tests show it equal to every variant bit for bit.
        var c = Case<float>.Random(300, 200, 768, xStride: 768, withBias: true, seed: 7);
        foreach (KernelVariant variant in SupportedVariants.Where(v => v != KernelVariant.Simple))
        {
            float[] y = c.RunDense(variant, stride: 200);
            double worst = 0, scale = 0;
            for (int i = 0; i < y.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(y[i] - c.Reference[i]));
                scale = Math.Max(scale, Math.Abs(c.Reference[i]));
            }

            Assert.True(worst / scale <= 1e-6, $"{variant}: max |error| / max |y| = {worst / scale:E2}");
            c.AssertWithinBound(y, stride: 200);
        }
    }

    [Theory]
    [InlineData(64, 100, 768)]
    [InlineData(257, 33, 400)]
    [InlineData(40, 50, 2100)] // k blocks: two for float, three for double
    public void One_and_two_threads_give_identical_bits(int rows, int columns, int depth)
    {
        // Simple is one element per row item, trivially independent of threads; the tiled engine is what could go wrong.
        foreach (KernelVariant variant in SupportedVariants.Where(v => v != KernelVariant.Simple))
        {
            SameOnOneAndTwoThreads(Case<float>.Random(rows, columns, depth, depth + 3, withBias: true, seed: rows), variant);
            SameOnOneAndTwoThreads(Case<double>.Random(rows, columns, depth, depth, withBias: false, seed: columns), variant);
        }
    }

    [Fact]
    public void Sums_deeper_than_one_k_block_continue_in_order_dense_and_scattered()
    {
        // Float k blocks hold 2048, double 1024: these depths take 2 and 3 blocks, C is stored and reloaded between them.
        DeepSums(Case<float>.Random(21, 53, 2100, 2100, withBias: true, seed: 11));
        DeepSums(Case<double>.Random(19, 29, 2100, 2101, withBias: true, seed: 12));
    }

    [Fact]
    public void Head_major_scatter_writes_each_element_once_and_leaves_the_rest_alone()
    {
        // (heads, tokens, d) with d = 8: no panel is contiguous, every store goes element by element.
        var c = Case<float>.Random(17, 40, 31, 31, withBias: true, seed: 3);
        var (rowOffsets, columnOffsets, length) = HeadMajor(17, 40, headSize: 8);
        var destination = new float[length + 5];
        Array.Fill(destination, float.NaN);
        Gemm<float>.MultiplyTransposed(c.X, 17, 31, 31, c.W, 40, c.Bias, destination, rowOffsets, columnOffsets, KernelSelector.Best);
        Assert.All(destination[length..], v => Assert.True(float.IsNaN(v)));
        Assert.DoesNotContain(destination[..length], float.IsNaN);
    }

    [Fact]
    public void Offsets_outside_the_destination_are_rejected_before_anything_is_written()
    {
        float[] x = new float[6], w = new float[6], destination = new float[4];
        int[] rows = [0, 2], columns = [0, 1, 2];
        Assert.Throws<ArgumentException>(() => Gemm<float>.MultiplyTransposed(x, 2, 2, 2, w, 3, default, destination, rows, columns, KernelVariant.Scalar));
        Assert.Throws<ArgumentException>(() => Gemm<float>.MultiplyTransposed(x, 2, 2, 2, w, 2, default, destination, [0, -1], [0, 1], KernelVariant.Scalar));
        Assert.Throws<ArgumentException>(() => Gemm<float>.MultiplyTransposed(x, 4, 2, 2, w, 2, default, new float[8], [0, 2, 4, 6], [0, 1], KernelVariant.Scalar));
        Assert.Throws<ArgumentException>(() => Gemm<float>.MultiplyTransposed(x, 2, 2, 2, w, 2, new float[1], destination, [0, 2], [0, 1], KernelVariant.Scalar));
        Assert.All(destination, v => Assert.Equal(0f, v));
    }

    /// <summary>Each shape against float64 on every variant, and every variant against the first (Simple) bit for bit, dense and head-major.</summary>
    private static void RaggedShapes<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < s_sizes.Length; i++)
        {
            for (int j = 0; j < s_sizes.Length; j++)
            {
                int rows = s_sizes[i], columns = s_sizes[j], depth = s_sizes[(i + (2 * j)) % s_sizes.Length];
                if ((long)rows * columns * depth > 500_000) depth = 17; // the biggest pairs keep a ragged depth but stay cheap
                bool withBias = ((i + j) & 1) == 0;
                int xStride = depth + (i % 3);
                var c = Case<T>.Random(rows, columns, depth, xStride, withBias, seed: (i * 31) + j);

                // Dense with a gap after each row (the gaps must stay untouched), then head-major with
                // d = 64 or 16 (some panels stored directly, some element by element): the same bits.
                int stride = columns + 3;
                var (rowOffsets, columnOffsets, length) = HeadMajor(rows, columns, headSize: j % 2 == 0 ? 64 : 16);
                T[]? first = null;
                foreach (KernelVariant variant in SupportedVariants)
                {
                    T[] y = c.RunDense(variant, stride);
                    c.AssertWithinBound(y, stride);
                    first ??= y;
                    Assert.True(SameBits<T>(y, first), $"{variant} differs from {SupportedVariants.First()} at {rows}×{columns}×{depth}");

                    var scattered = new T[length];
                    Gemm<T>.MultiplyTransposed(c.X, rows, depth, xStride, c.W, columns, c.Bias, scattered, rowOffsets, columnOffsets, variant);
                    AssertSameElements(y, stride, scattered, rowOffsets, columnOffsets, $"{variant} head-major at {rows}×{columns}×{depth}");
                }
            }
        }
    }

    private static void DeepSums<T>(Case<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rowOffsets, columnOffsets, length) = HeadMajor(c.Rows, c.Columns, headSize: 16);
        T[] simple = c.RunDense(KernelVariant.Simple, c.Columns);
        c.AssertWithinBound(simple, c.Columns);
        foreach (KernelVariant variant in SupportedVariants)
        {
            Assert.True(SameBits<T>(c.RunDense(variant, c.Columns), simple), $"{variant} {typeof(T).Name}: k blocks changed the sums");
            var scattered = new T[length];
            Gemm<T>.MultiplyTransposed(c.X, c.Rows, c.Depth, c.XStride, c.W, c.Columns, c.Bias, scattered, rowOffsets, columnOffsets, variant);
            AssertSameElements(simple, c.Columns, scattered, rowOffsets, columnOffsets, $"{variant} {typeof(T).Name} head-major");
        }
    }

    private static void SameOnOneAndTwoThreads<T>(Case<T> c, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] one, two;
        using (KernelSelector.Use(threads: 1)) one = c.RunDense(variant, c.Columns);
        using (KernelSelector.Use(threads: 2)) two = c.RunDense(variant, c.Columns);
        Assert.True(SameBits<T>(one, two), $"{variant} {typeof(T).Name}: thread count changed the result");
        c.AssertWithinBound(one, c.Columns);
    }

    /// <summary>Equal as bits (so +0 and −0, or two NaN payloads, count as different).</summary>
    private static bool SameBits<T>(T[] left, T[] right)
        where T : unmanaged => MemoryMarshal.AsBytes(left.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(right.AsSpan()));

    /// <summary>Element (r, c) of the dense result equals the scattered one at rowOffsets[r] + columnOffsets[c], bit for bit.</summary>
    private static void AssertSameElements<T>(T[] dense, int stride, T[] scattered, int[] rowOffsets, int[] columnOffsets, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gathered = new T[rowOffsets.Length * columnOffsets.Length];
        var expected = new T[gathered.Length];
        for (int r = 0; r < rowOffsets.Length; r++)
        {
            for (int c = 0; c < columnOffsets.Length; c++)
            {
                gathered[(r * columnOffsets.Length) + c] = scattered[rowOffsets[r] + columnOffsets[c]];
                expected[(r * columnOffsets.Length) + c] = dense[(r * stride) + c];
            }
        }

        Assert.True(SameBits<T>(gathered, expected), $"{what}: scattered result differs from dense");
    }

    /// <summary>Rows are tokens, columns are (head, feature): destination is (heads, tokens, headSize).</summary>
    private static (int[] Rows, int[] Columns, int Length) HeadMajor(int tokens, int columns, int headSize)
    {
        int heads = (columns + headSize - 1) / headSize;
        int[] rowOffsets = Enumerable.Range(0, tokens).Select(t => t * headSize).ToArray();
        int[] columnOffsets = Enumerable.Range(0, columns).Select(c => ((c / headSize) * tokens * headSize) + (c % headSize)).ToArray();
        return (rowOffsets, columnOffsets, Math.Max(1, heads * tokens * headSize));
    }

    private sealed class Case<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public required int Rows { get; init; }

        public required int Columns { get; init; }

        public required int Depth { get; init; }

        public required int XStride { get; init; }

        public required T[] X { get; init; }

        public required T[] W { get; init; }

        public required T[] Bias { get; init; }

        /// <summary>The float64 result, dense (rows, columns).</summary>
        public required double[] Reference { get; init; }

        /// <summary>Σₖ |x·w| + |b| per element: what a rounding error bound scales with.</summary>
        public required double[] Magnitude { get; init; }

        public static Case<T> Random(int rows, int columns, int depth, int xStride, bool withBias, int seed)
        {
            var random = new Random(seed);
            T Next() => T.CreateTruncating((random.NextDouble() * 2) - 1);
            T[] x = new T[Math.Max(0, ((rows - 1) * xStride) + depth)], w = new T[columns * depth];
            for (int i = 0; i < x.Length; i++) x[i] = Next();
            for (int i = 0; i < w.Length; i++) w[i] = Next();
            T[] bias = withBias ? Enumerable.Range(0, columns).Select(_ => Next()).ToArray() : [];

            double[] xd = x.Select(double.CreateTruncating).ToArray(), wd = w.Select(double.CreateTruncating).ToArray();
            var reference = new double[rows * columns];
            var magnitude = new double[rows * columns];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    double sum = 0, abs = 0;
                    for (int k = 0; k < depth; k++)
                    {
                        double p = xd[(r * xStride) + k] * wd[(c * depth) + k];
                        sum += p;
                        abs += Math.Abs(p);
                    }

                    double b = withBias ? double.CreateTruncating(bias[c]) : 0;
                    reference[(r * columns) + c] = sum + b;
                    magnitude[(r * columns) + c] = abs + Math.Abs(b);
                }
            }

            return new Case<T> { Rows = rows, Columns = columns, Depth = depth, XStride = xStride, X = x, W = w, Bias = bias, Reference = reference, Magnitude = magnitude };
        }

        /// <summary>Runs into a NaN-filled (rows, stride) buffer.</summary>
        public T[] RunDense(KernelVariant variant, int stride)
        {
            var y = new T[Rows * stride];
            Array.Fill(y, T.NaN);
            Gemm<T>.MultiplyTransposed(X, Rows, Depth, XStride, W, Columns, Bias, y, stride, variant);
            return y;
        }

        /// <summary>|y − exact| ≤ γ(depth + 1) · Σ|terms|, the textbook bound for a recursive sum of products; gaps stay NaN.</summary>
        public void AssertWithinBound(T[] y, int stride)
        {
            double unit = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
            double gamma = (Depth + 1) * unit / (1 - ((Depth + 1) * unit));
            for (int r = 0; r < Rows; r++)
            {
                for (int c = 0; c < stride; c++)
                {
                    double value = double.CreateTruncating(y[(r * stride) + c]);
                    if (c >= Columns)
                    {
                        Assert.True(double.IsNaN(value), $"gap ({r}, {c}) was written");
                        continue;
                    }

                    double exact = Reference[(r * Columns) + c], bound = (gamma * Magnitude[(r * Columns) + c]) + 1e-300;
                    Assert.True(Math.Abs(value - exact) <= bound, $"({r}, {c}) of {Rows}×{Columns}×{Depth}: {value} vs {exact}, bound {bound:E2}");
                }
            }
        }
    }
}
