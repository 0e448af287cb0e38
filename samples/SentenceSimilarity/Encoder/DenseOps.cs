using System.Numerics;
using System.Numerics.Tensors;
using IvySharp;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>
/// The encoder's operations outside attention, on row-major float rows: dense layers, LayerNorm,
/// GELU. Kept simple (TensorPrimitives on whole rows; one small register-blocked loop for the dense
/// layers), parallel over independent work items, with Ivy.MaxDegreeOfParallelism threads.
/// </summary>
internal static class DenseOps
{
    // Output rows computed together: 4 rows × 2 vectors = 8 accumulators stay in registers.
    private const int RowsPerBlock = 4;

    /// <summary>
    /// y = x·W + b for <paramref name="rows"/> rows: x is (rows, in), W is (in, out) as ONNX stores it.
    /// </summary>
    /// <remarks>
    /// Work is split into strips of two vectors of output columns. A strip's slice of W (in × 16 floats
    /// with AVX2, 24 KB for in = 384) stays in L1 while every row block runs over it, so W streams from
    /// memory once per call, and each block keeps its 4 × 16 sums in registers across the k loop.
    /// </remarks>
    public static float[] Linear(float[] x, int rows, IvyArray weight, IvyArray bias)
    {
        int inFeatures = weight.Shape[0], outFeatures = weight.Shape[1];
        var y = new float[rows * outFeatures];
        int stripWidth = 2 * Vector<float>.Count;
        int strips = (outFeatures + stripWidth - 1) / stripWidth;
        Parallel.For(0, strips, Options(), strip =>
        {
            ReadOnlySpan<float> w = Weights.Flat(weight), b = Weights.Flat(bias);
            int first = strip * stripWidth;
            if (first + stripWidth <= outFeatures)
            {
                Strip(x, rows, inFeatures, w, b, y, outFeatures, first);
                return;
            }

            // The last, narrower strip (widths that are not a multiple of the vector size): plain loops.
            for (int r = 0; r < rows; r++)
            {
                for (int c = first; c < outFeatures; c++)
                {
                    float sum = b[c];
                    for (int k = 0; k < inFeatures; k++) sum = MathF.FusedMultiplyAdd(x[(r * inFeatures) + k], w[(k * outFeatures) + c], sum);
                    y[(r * outFeatures) + c] = sum;
                }
            }
        });
        return y;
    }

    private static void Strip(
        ReadOnlySpan<float> x, int rows, int inFeatures, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int outFeatures, int column)
    {
        int v = Vector<float>.Count, r = 0;
        var bias0 = new Vector<float>(b[column..]);
        var bias1 = new Vector<float>(b[(column + v)..]);
        for (; r + RowsPerBlock <= rows; r += RowsPerBlock)
        {
            Vector<float> s00 = bias0, s01 = bias1, s10 = bias0, s11 = bias1, s20 = bias0, s21 = bias1, s30 = bias0, s31 = bias1;
            ReadOnlySpan<float> x0 = x.Slice(r * inFeatures, inFeatures), x1 = x.Slice((r + 1) * inFeatures, inFeatures);
            ReadOnlySpan<float> x2 = x.Slice((r + 2) * inFeatures, inFeatures), x3 = x.Slice((r + 3) * inFeatures, inFeatures);
            for (int k = 0; k < inFeatures; k++)
            {
                ReadOnlySpan<float> row = w.Slice((k * outFeatures) + column, 2 * v);
                var w0 = new Vector<float>(row);
                var w1 = new Vector<float>(row[v..]);
                var a = new Vector<float>(x0[k]);
                s00 = Vector.FusedMultiplyAdd(a, w0, s00);
                s01 = Vector.FusedMultiplyAdd(a, w1, s01);
                a = new Vector<float>(x1[k]);
                s10 = Vector.FusedMultiplyAdd(a, w0, s10);
                s11 = Vector.FusedMultiplyAdd(a, w1, s11);
                a = new Vector<float>(x2[k]);
                s20 = Vector.FusedMultiplyAdd(a, w0, s20);
                s21 = Vector.FusedMultiplyAdd(a, w1, s21);
                a = new Vector<float>(x3[k]);
                s30 = Vector.FusedMultiplyAdd(a, w0, s30);
                s31 = Vector.FusedMultiplyAdd(a, w1, s31);
            }

            Store(y, ((r + 0) * outFeatures) + column, s00, s01);
            Store(y, ((r + 1) * outFeatures) + column, s10, s11);
            Store(y, ((r + 2) * outFeatures) + column, s20, s21);
            Store(y, ((r + 3) * outFeatures) + column, s30, s31);
        }

        for (; r < rows; r++)
        {
            Vector<float> s0 = bias0, s1 = bias1;
            ReadOnlySpan<float> xr = x.Slice(r * inFeatures, inFeatures);
            for (int k = 0; k < inFeatures; k++)
            {
                ReadOnlySpan<float> row = w.Slice((k * outFeatures) + column, 2 * v);
                var a = new Vector<float>(xr[k]);
                s0 = Vector.FusedMultiplyAdd(a, new Vector<float>(row), s0);
                s1 = Vector.FusedMultiplyAdd(a, new Vector<float>(row[v..]), s1);
            }

            Store(y, (r * outFeatures) + column, s0, s1);
        }
    }

    private static void Store(Span<float> y, int start, Vector<float> low, Vector<float> high)
    {
        low.CopyTo(y[start..]);
        high.CopyTo(y[(start + Vector<float>.Count)..]);
    }

    /// <summary>
    /// In place, per row of <paramref name="width"/>: (x − mean) / √(var + ε) · scale + bias, with the
    /// biased variance, as the exported graphs compute it (ReduceMean, Pow 2, ReduceMean, Sqrt, Div).
    /// </summary>
    public static void LayerNorm(float[] x, int width, IvyArray scale, IvyArray bias, float epsilon = 1e-12f)
    {
        int rows = x.Length / width;
        ReadOnlySpan<float> g = Weights.Flat(scale), b = Weights.Flat(bias);
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = x.AsSpan(r * width, width);
            float mean = TensorPrimitives.Sum<float>(row) / width;
            TensorPrimitives.Subtract(row, mean, row);
            float variance = TensorPrimitives.SumOfSquares<float>(row) / width;
            TensorPrimitives.Multiply(row, 1f / MathF.Sqrt(variance + epsilon), row);
            TensorPrimitives.FusedMultiplyAdd(row, g, b, row);
        }
    }

    /// <summary>x += y, element-wise (the residual connections).</summary>
    public static void AddInPlace(float[] x, float[] y) => TensorPrimitives.Add(x, y, x);

    /// <summary>In place, the exact (erf) GELU both graphs use: 0.5·x·(1 + erf(x/√2)).</summary>
    public static void Gelu(float[] x, int width)
    {
        int rows = x.Length / width;
        Parallel.For(0, rows, Options(), () => new float[width], (r, _, erf) =>
        {
            Span<float> row = x.AsSpan(r * width, width);
            TensorPrimitives.Divide(row, MathF.Sqrt(2f), erf); // x / √2, as the graph divides
            Erf.InPlace(erf);
            TensorPrimitives.AddMultiply(erf, 1f, row, erf); // (erf + 1)·x
            TensorPrimitives.Multiply(erf, 0.5f, row);
            return erf;
        }, _ => { });
    }

    private static ParallelOptions Options() => new()
    {
        MaxDegreeOfParallelism = Ivy.MaxDegreeOfParallelism > 0 ? Ivy.MaxDegreeOfParallelism : Environment.ProcessorCount,
    };
}
