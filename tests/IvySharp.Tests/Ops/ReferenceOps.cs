namespace IvySharp.Tests.Ops;

/// <summary>
/// Linear, layer norm and GELU in float64, written plainly from Ivy's formulas (no tiling, no partial sums,
/// no rescaling, no shared code with the library): the second opinion the library is measured against.
/// </summary>
public static class ReferenceOps
{
    /// <summary>y[r, o] = Σ_i x[r, i] · w[o, i] + b[o], summed in index order.</summary>
    public static double[] Linear(double[] x, int rows, int inFeatures, double[] w, int outFeatures, double[]? b)
    {
        var y = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = 0;
                for (int i = 0; i < inFeatures; i++) sum += x[(r * inFeatures) + i] * w[(o * inFeatures) + i];
                y[(r * outFeatures) + o] = sum + (b is null ? 0 : b[o]);
            }
        }

        return y;
    }

    /// <summary>
    /// Ivy's layer_norm: ((x − mean)/sqrt(var + eps) · scale + offset) · newStd over the axes, population variance,
    /// scale/offset broadcast against x with numpy rules; an offset applies also without a scale (IvySharp's choice).
    /// </summary>
    public static double[] LayerNorm(
        double[] x, int[] shape, int[] axes, double[]? scale, int[]? scaleShape, double[]? offset, int[]? offsetShape, double eps, double newStd)
    {
        int rank = shape.Length;
        var normalised = new bool[rank];
        foreach (int a in axes) normalised[a < 0 ? a + rank : a] = true;

        // Group id of every element: its multi-index with the normalised axes dropped, row-major.
        int count = x.Length;
        var group = new int[count];
        int groups = 1;
        for (int a = 0; a < rank; a++) if (!normalised[a]) groups *= shape[a];
        var index = new int[rank];
        for (int e = 0; e < count; e++)
        {
            Unflatten(e, shape, index);
            int g = 0;
            for (int a = 0; a < rank; a++) if (!normalised[a]) g = (g * shape[a]) + index[a];
            group[e] = g;
        }

        // Compensated (Neumaier) sums: the reference's own rounding stays far below the library's, so a large
        // mean against a small spread measures the library, not the reference.
        var n = new double[groups];
        var sum = new Compensated[groups];
        for (int e = 0; e < count; e++) { n[group[e]]++; sum[group[e]].Add(x[e]); }
        var mean = new double[groups];
        for (int g = 0; g < groups; g++) mean[g] = sum[g].Value / n[g];
        var ssd = new Compensated[groups];
        for (int e = 0; e < count; e++) { double d = x[e] - mean[group[e]]; ssd[group[e]].Add(d * d); }

        var y = new double[count];
        for (int e = 0; e < count; e++)
        {
            Unflatten(e, shape, index);
            int g = group[e];
            double v = (x[e] - mean[g]) / Math.Sqrt((ssd[g].Value / n[g]) + eps);
            if (scale is not null) v *= scale[Broadcast(index, shape, scaleShape!)];
            if (offset is not null) v += offset[Broadcast(index, shape, offsetShape!)];
            y[e] = v * newStd;
        }

        return y;
    }

    /// <summary>0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2), with <see cref="Erfc"/>; GELU(−∞) = −0 (IvySharp's choice: the limit, where the formula gives −∞·0 = NaN).</summary>
    public static double GeluExact(double x) => double.IsNegativeInfinity(x) ? -0.0 : 0.5 * x * Erfc(-x / Math.Sqrt(2));

    /// <summary>
    /// 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³); for u &lt; 0, 1 + tanh(u) is written 2/(exp(−2u) + 1)
    /// (the same number without the cancellation of 1 + (−1 + tiny)); GELU(−∞) = −0 as above.
    /// </summary>
    public static double GeluTanh(double x)
    {
        if (double.IsNegativeInfinity(x)) return -0.0;
        double u = Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x));
        return 0.5 * x * (u < 0 ? 2 / (Math.Exp(-2 * u) + 1) : 1 + Math.Tanh(u));
    }

    /// <summary>
    /// erfc(z): for |z| &lt; 2, 1 − erf(z) from erf's Taylor series (alternating terms below 2.4 in size, so about
    /// 1e-15 absolute); for z ≥ 2 the continued fraction erfc(z) = exp(−z²)/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …))))
    /// evaluated bottom-up from 2000 levels (converged to double precision well before that for z ≥ 2); for z ≤ −2,
    /// 2 − erfc(−z). Slow and plain on purpose.
    /// </summary>
    public static double Erfc(double z)
    {
        if (double.IsNaN(z)) return z;
        if (z <= -2) return 2 - Erfc(-z);
        if (z < 2) return 1 - Erf(z);
        if (double.IsPositiveInfinity(z)) return 0;
        double tail = z;
        for (int k = 2000; k >= 1; k--) tail = z + (k / 2.0 / tail);
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / tail;
    }

    /// <summary>erf(z) = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n! (2n+1)) until the terms vanish; for |z| &lt; 2 only.</summary>
    public static double Erf(double z)
    {
        double term = z, sum = z;
        for (int n = 1; n < 200; n++)
        {
            term *= -z * z / n;
            double add = term / ((2 * n) + 1);
            sum += add;
            if (Math.Abs(add) < 1e-18 * Math.Abs(sum)) break;
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Neumaier's compensated sum.</summary>
    private struct Compensated
    {
        private double _sum, _carry;

        public readonly double Value => _sum + _carry;

        public void Add(double v)
        {
            double t = _sum + v;
            _carry += Math.Abs(_sum) >= Math.Abs(v) ? (_sum - t) + v : (v - t) + _sum;
            _sum = t;
        }
    }

    private static void Unflatten(int flat, int[] shape, int[] index)
    {
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            index[a] = flat % shape[a];
            flat /= shape[a];
        }
    }

    /// <summary>The flat index of a broadcast operand's element for x's multi-index (numpy rules, aligned at the end).</summary>
    private static int Broadcast(int[] index, int[] shape, int[] operandShape)
    {
        int lead = shape.Length - operandShape.Length, flat = 0;
        for (int b = 0; b < operandShape.Length; b++)
        {
            int i = operandShape[b] == 1 ? 0 : index[b + lead];
            flat = (flat * operandShape[b]) + i;
        }

        return flat;
    }
}
