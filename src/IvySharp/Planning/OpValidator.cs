using System.Globalization;
using IvySharp.Internal;

namespace IvySharp.Planning;

/// <summary>
/// The error rules of <c>Ivy.Linear</c>, <c>Ivy.LayerNorm</c> and <c>Ivy.Gelu</c>, in the attention
/// validator's style: every check runs before any work, and each failure is an
/// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is the C# parameter and
/// whose message states what was expected and what was given (shapes, dtypes, values).
/// </summary>
internal static partial class OpValidator
{
    /// <summary>x (…, in), weight (out, in), bias (out,): every floating array in x's dtype.</summary>
    public static LinearPlan Linear(IvyArray x, IvyArray weight, IvyArray? bias, IvyArray? output)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        DType dtype = RequireFloatingInput(x, "x");
        if (x.Rank < 1)
        {
            throw Fail(nameof(x), $"x must have at least one axis, (…, in_features); got a rank-0 array of shape {ShapeText.Of(x.ShapeSpan)}.");
        }

        int inFeatures = x.ShapeSpan[^1];
        RequireDType(weight, "weight", dtype);
        if (weight.Rank != 2 || weight.ShapeSpan[1] != inFeatures)
        {
            throw Fail(nameof(weight), $"weight must be (out_features, in_features) with in_features = {inFeatures} (the last axis of x {ShapeText.Of(x.ShapeSpan)}); got {ShapeText.Of(weight.ShapeSpan)}.");
        }

        int outFeatures = weight.ShapeSpan[0];
        if (bias is not null)
        {
            RequireDType(bias, "bias", dtype);
            if (bias.Rank != 1 || bias.ShapeSpan[0] != outFeatures)
            {
                throw Fail(nameof(bias), $"bias must be (out_features,) = ({outFeatures},), one value per row of weight {ShapeText.Of(weight.ShapeSpan)}; got {ShapeText.Of(bias.ShapeSpan)}.");
            }
        }

        // Rows = the product of x's leading axes. With in_features = 0, x is empty but the rows are not,
        // so the product is taken from the shape (saturating), never from x.Size / in_features.
        long rows = 1;
        foreach (int d in x.ShapeSpan[..^1]) rows = Saturate(rows, d);
        int[] outputShape = [.. x.ShapeSpan[..^1], outFeatures];
        long outputSize = Saturate(rows, outFeatures);
        if (outputSize > Array.MaxLength)
        {
            throw Fail(nameof(x), $"The output {ShapeText.Of(outputShape)} would hold {(outputSize == long.MaxValue ? "more than " + long.MaxValue : outputSize)} elements; at most {Array.MaxLength} fit in one array.");
        }

        ValidateOut(output, outputShape);
        return new LinearPlan(dtype, x, weight, bias, output, outputSize == 0 ? 0 : (int)rows, inFeatures, outFeatures, outputShape);
    }

    /// <summary>x of any shape; the result has x's shape and dtype.</summary>
    public static GeluPlan Gelu(IvyArray x, bool approximate, IvyArray? output)
    {
        ArgumentNullException.ThrowIfNull(x);
        DType dtype = RequireFloatingInput(x, "x");
        ValidateOut(output, x.ShapeSpan);
        return new GeluPlan(dtype, x, approximate, output);
    }

    internal static ArgumentException Fail(string paramName, string message) => new(message, paramName);

    private static DType RequireFloatingInput(IvyArray x, string name)
    {
        if (!x.DType.IsFloating())
        {
            throw Fail(name, $"{name} must be float16, float32 or float64; got {x.DType.Name()}.");
        }

        return x.DType;
    }

    private static void RequireDType(IvyArray array, string name, DType dtype)
    {
        if (array.DType != dtype)
        {
            throw Fail(name, $"{name} must have x's dtype {dtype.Name()}; got {array.DType.Name()}.");
        }
    }

    /// <summary>The <c>@out</c> rules shared with attention (contract §9): floating, the result's shape, no shared elements.</summary>
    private static void ValidateOut(IvyArray? output, ReadOnlySpan<int> shape)
    {
        if (output is null) return;
        if (!output.DType.IsFloating())
        {
            throw Fail("out", $"out must have a floating dtype (float16, float32 or float64); got {output.DType.Name()}.");
        }

        if (!output.ShapeSpan.SequenceEqual(shape))
        {
            throw Fail("out", $"out must have the output shape {ShapeText.Of(shape)}; got {ShapeText.Of(output.ShapeSpan)}.");
        }

        if (output.Storage.OverlappingAxis() is int axis)
        {
            throw Fail("out", $"out is a view whose elements share memory (axis {axis} of shape {ShapeText.Of(output.ShapeSpan)} has a zero or overlapping stride, as a broadcast tensor does); it cannot receive a result. Give an array or a tensor view without overlapping elements.");
        }
    }

    private static void RequireFinite(double value, string name, string why)
    {
        if (!double.IsFinite(value))
        {
            throw Fail(name, $"{name} must be finite{why}; got {value.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>a · b for non-negative factors, <see cref="long.MaxValue"/> when it does not fit; 0 when either is 0.</summary>
    private static long Saturate(long a, long b)
    {
        if (a == 0 || b == 0) return 0;
        return a > long.MaxValue / b ? long.MaxValue : a * b;
    }
}
