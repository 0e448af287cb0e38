using System.Globalization;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>One library call with the float64 reference's answer for exactly the inputs it sees.</summary>
public sealed record OpCall(string Op, string Description, Func<IvyArray> Invoke, double[] Expected, int[] ExpectedShape, IvyArray[] Inputs);

/// <summary>
/// Seeded random valid calls of Ivy.Linear, Ivy.LayerNorm and Ivy.Gelu (seed ⇒ call), with the reference
/// result computed from the inputs as rounded to the call's dtype. They cover: every rank from 1 to 4, empty
/// axes, in_features 0, with and without bias; any set of normalised axes given with negative or positive
/// indices, scale/offset absent, per-feature, element-wise or varying across groups, eps 0, newStd ≠ 1,
/// large means against small spreads; GELU on wide ranges with ±∞, NaN and tails.
/// </summary>
public static class OpCalls
{
    public static readonly string[] Ops = ["linear", "layer-norm", "gelu-exact", "gelu-tanh"];

    public static OpCall Create(string op, int seed, DType dtype) => op switch
    {
        "linear" => Linear(seed, dtype),
        "layer-norm" => LayerNorm(seed, dtype),
        "gelu-exact" => Gelu(seed, dtype, approximate: false),
        "gelu-tanh" => Gelu(seed, dtype, approximate: true),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    public static OpCall Linear(int seed, DType dtype)
    {
        var rng = new Random(seed);
        int rank = rng.Next(1, 5);
        int[] lead = [.. Enumerable.Range(0, rank - 1).Select(_ => rng.Next(20) == 0 ? 0 : rng.Next(1, 5))];
        int inF = rng.Next(12) == 0 ? 0 : rng.Next(1, 70), outF = rng.Next(15) == 0 ? 0 : rng.Next(1, 40);
        int rows = lead.Aggregate(1, (p, d) => p * d);
        double scale = new[] { 1.0, 1e-3, 1e3 }[rng.Next(3)];
        (IvyArray x, double[] xv) = Values(rng, dtype, [.. lead, inF], scale, 0);
        (IvyArray w, double[] wv) = Values(rng, dtype, [outF, inF], 1 / Math.Sqrt(Math.Max(1, inF)), 0);
        (IvyArray? b, double[]? bv) = rng.Next(2) == 0 ? Values(rng, dtype, [outF], 1, 0) : (null, null);
        double[] expected = ReferenceOps.Linear(xv, rows, inF, wv, outF, bv);
        string text = Describe("linear", seed, dtype, $"x {Shape(x)} scale {scale:R}, weight {Shape(w)}, bias {(b is null ? "none" : Shape(b))}");
        return new OpCall("linear", text, () => Ivy.Linear(x, w, b), expected, [.. lead, outF], b is null ? [x, w] : [x, w, b]);
    }

    public static OpCall LayerNorm(int seed, DType dtype)
    {
        var rng = new Random(seed);
        int rank = rng.Next(1, 5);
        int[] shape = [.. Enumerable.Range(0, rank).Select(_ => rng.Next(25) == 0 ? 0 : rng.Next(1, 7))];
        if (rng.Next(6) == 0) shape[^1] = rng.Next(16, 80); // long groups: the vector loops and the 16-partial tails
        int k = rng.Next(1, rank + 1);
        int[] axes = rng.Next(2) == 0
            ? [.. Enumerable.Range(rank - k, k)]
            : [.. Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).Take(k).Order()];
        int[] idxs = [.. axes.Select(a => rng.Next(2) == 0 ? a - rank : a).OrderBy(_ => rng.Next())];
        double mean = new[] { 0.0, 3.0, -100.0 }[rng.Next(3)], spread = new[] { 1.0, 0.1, 10.0 }[rng.Next(3)];
        (IvyArray x, double[] xv) = Values(rng, dtype, shape, spread, mean);
        int[]? scaleShape = OperandShape(rng, shape, axes), offsetShape = OperandShape(rng, shape, axes);
        (IvyArray? scale, double[]? sv) = scaleShape is null ? (null, null) : Values(rng, dtype, scaleShape, 0.5, 1.0);
        (IvyArray? offset, double[]? ov) = offsetShape is null ? (null, null) : Values(rng, dtype, offsetShape, 1.0, 0.0);
        double eps = new[] { 1e-5, 1e-3, 0.5, 0.0 }[rng.Next(4)];
        double newStd = new[] { 1.0, 1.0, 2.5, -0.5 }[rng.Next(4)];
        double[] expected = ReferenceOps.LayerNorm(xv, shape, idxs, sv, scaleShape, ov, offsetShape, eps, newStd);
        string text = Describe("layer-norm", seed, dtype,
            $"x {Shape(x)} mean {mean:R} spread {spread:R}, normalizedIdxs [{string.Join(", ", idxs)}], scale {(scale is null ? "none" : Shape(scale))}, offset {(offset is null ? "none" : Shape(offset))}, eps {eps:R}, newStd {newStd:R}");
        IvyArray[] inputs = [x, .. new[] { scale, offset }.OfType<IvyArray>()];
        return new OpCall("layer-norm", text, () => Ivy.LayerNorm(x, idxs, scale, offset, eps, newStd), expected, shape, inputs);
    }

    public static OpCall Gelu(int seed, DType dtype, bool approximate)
    {
        var rng = new Random(seed);
        int rank = rng.Next(1, 4);
        int[] shape = [.. Enumerable.Range(0, rank).Select(_ => rng.Next(30) == 0 ? 0 : rng.Next(1, 12))];
        double spread = new[] { 1.0, 3.0, 10.0 }[rng.Next(3)];
        (IvyArray x, double[] xv) = Values(rng, dtype, shape, spread, 0);
        if (rng.Next(4) == 0 && xv.Length > 0)
        {
            // Specials and tails, written into the array so the library and the reference see the same values.
            double[] specials = [double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0.0, -0.0, 1e-30, -1e-30, 40, -40, 1e4, -1e4];
            for (int j = 0; j < 3; j++) xv[rng.Next(xv.Length)] = specials[rng.Next(specials.Length)];
            x = A.F(dtype, xv, shape);
            xv = A.D(x);
        }

        Func<double, double> reference = approximate ? ReferenceOps.GeluTanh : ReferenceOps.GeluExact;
        double[] expected = [.. xv.Select(reference)];
        string text = Describe(approximate ? "gelu-tanh" : "gelu-exact", seed, dtype, $"x {Shape(x)} spread {spread:R}");
        return new OpCall(approximate ? "gelu-tanh" : "gelu-exact", text, () => Ivy.Gelu(x, approximate), expected, shape, [x]);
    }

    /// <summary>Normal values (mean, spread) rounded to the dtype, with the rounded values as doubles.</summary>
    public static (IvyArray Array, double[] Values) Values(Random rng, DType dtype, int[] shape, double spread, double mean)
    {
        int count = shape.Aggregate(1, (p, d) => p * d);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = mean + (spread * Normal(rng));
        IvyArray array = A.F(dtype, values, shape);
        return (array, A.D(array));
    }

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>A scale/offset shape: none, per feature (x's sizes on the axes, 1 elsewhere), x's own (element-wise), or random 1s.</summary>
    private static int[]? OperandShape(Random rng, int[] shape, int[] axes) => rng.Next(4) switch
    {
        0 => null,
        1 => [.. Enumerable.Range(axes[0], shape.Length - axes[0]).Select(a => axes.Contains(a) ? shape[a] : 1)],
        2 => (int[])shape.Clone(),
        _ => [.. shape.Skip(rng.Next(shape.Length + 1)).Select(d => rng.Next(3) == 0 ? 1 : d)],
    };

    private static string Shape(IvyArray a) => "(" + string.Join(", ", a.Shape) + ")";

    private static string Describe(string op, int seed, DType dtype, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{op} seed {seed} {dtype.ToString().ToLowerInvariant()}: {what}");
}
