using System.Numerics.Tensors;
using IvySharp;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>
/// The encoder's operations outside attention, on row-major float rows: dense layers, LayerNorm,
/// GELU. Deliberately simple (TensorPrimitives on whole rows, parallel over row blocks) so the
/// sample shows where time goes rather than hiding a hand-tuned GEMM.
/// </summary>
internal static class DenseOps
{
    // Rows that share each streamed weight row: the (in, out) matrix is read once per block, not per row.
    private const int RowsPerBlock = 4;

    /// <summary>
    /// y = x·W + b for <paramref name="rows"/> rows: x is (rows, in), W is (in, out) as ONNX stores it.
    /// Each weight row W[k, :] is added, scaled by x[r, k], into the output rows of a block.
    /// </summary>
    public static float[] Linear(float[] x, int rows, IvyArray weight, IvyArray bias)
    {
        int inFeatures = weight.Shape[0], outFeatures = weight.Shape[1];
        var y = new float[rows * outFeatures];
        int blocks = (rows + RowsPerBlock - 1) / RowsPerBlock;
        Parallel.For(0, blocks, Options(), block =>
        {
            ReadOnlySpan<float> w = Weights.Flat(weight), b = Weights.Flat(bias);
            int first = block * RowsPerBlock, last = Math.Min(first + RowsPerBlock, rows);
            for (int r = first; r < last; r++) b.CopyTo(y.AsSpan(r * outFeatures, outFeatures));
            for (int k = 0; k < inFeatures; k++)
            {
                ReadOnlySpan<float> weightRow = w.Slice(k * outFeatures, outFeatures);
                for (int r = first; r < last; r++)
                {
                    Span<float> output = y.AsSpan(r * outFeatures, outFeatures);
                    TensorPrimitives.MultiplyAdd(weightRow, x[(r * inFeatures) + k], output, output);
                }
            }
        });
        return y;
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
