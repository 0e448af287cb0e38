using System.Globalization;
using IvySharp.Internal;

namespace IvySharp.Planning;

internal static partial class OpValidator
{
    /// <summary>
    /// normalizedIdxs: distinct axes of x, negative counting from the end, at least one. scale and offset:
    /// x's dtype, broadcasting to x's shape under numpy rules (Ivy multiplies and adds them), without growing it.
    /// eps finite and ≥ 0, newStd finite.
    /// </summary>
    /// <remarks>A layer passes its prepared float64 scale and offset (see <see cref="LayerNormPlan"/>); they go into the plan unchecked.</remarks>
    public static LayerNormPlan LayerNorm(
        IvyArray x, int[] normalizedIdxs, IvyArray? scale, IvyArray? offset, double eps, double newStd, IvyArray? output,
        double[]? preparedScale = null, double[]? preparedOffset = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(normalizedIdxs);
        DType dtype = RequireFloatingInput(x, "x");
        int rank = x.Rank;
        if (normalizedIdxs.Length == 0)
        {
            throw Fail(nameof(normalizedIdxs), $"normalizedIdxs must name at least one axis of x {ShapeText.Of(x.ShapeSpan)} (e.g. [-1] for the last); got [].");
        }

        var axes = new int[normalizedIdxs.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = normalizedIdxs[i];
            if (axis < -rank || axis >= rank)
            {
                throw Fail(nameof(normalizedIdxs), $"normalizedIdxs must hold axes of x {ShapeText.Of(x.ShapeSpan)}, each in [{-rank}, {rank}); got {axis} in {AxesText(normalizedIdxs)}.");
            }

            axes[i] = axis < 0 ? axis + rank : axis;
        }

        Array.Sort(axes);
        for (int i = 1; i < axes.Length; i++)
        {
            if (axes[i] == axes[i - 1])
            {
                throw Fail(nameof(normalizedIdxs), $"normalizedIdxs must name each axis once; {AxesText(normalizedIdxs)} names axis {axes[i]} of x {ShapeText.Of(x.ShapeSpan)} twice.");
            }
        }

        RequireBroadcastable(scale, "scale", x, axes, dtype);
        RequireBroadcastable(offset, "offset", x, axes, dtype);

        // Everything is computed in float64, so any finite eps and newStd is representable; a negative eps
        // would take the square root of a negative variance + eps.
        RequireFinite(eps, "eps", " and ≥ 0");
        if (eps < 0)
        {
            throw Fail(nameof(eps), $"eps must be finite and ≥ 0; got {eps.ToString(CultureInfo.InvariantCulture)}.");
        }

        RequireFinite(newStd, "newStd", string.Empty);
        ValidateOut(output, x.ShapeSpan);
        return new LayerNormPlan(dtype, x, axes, scale, offset, eps, newStd, output) { PreparedScale = preparedScale, PreparedOffset = preparedOffset };
    }

    /// <summary>
    /// numpy broadcasting of <paramref name="array"/> against x, the result keeping x's shape: aligned at the
    /// last axis, each of the array's dimensions equal to x's or 1, no more axes than x.
    /// </summary>
    private static void RequireBroadcastable(IvyArray? array, string name, IvyArray x, int[] axes, DType dtype)
    {
        if (array is null) return;
        RequireDType(array, name, dtype);
        ReadOnlySpan<int> shape = array.ShapeSpan, xShape = x.ShapeSpan;
        bool fits = shape.Length <= xShape.Length;
        for (int i = 1; fits && i <= shape.Length; i++)
        {
            fits = shape[^i] == xShape[^i] || shape[^i] == 1;
        }

        if (!fits)
        {
            throw Fail(name, $"{name} must broadcast to x's shape {ShapeText.Of(xShape)} (numpy rules: aligned at the last axis, each dimension equal to x's or 1), typically {ShapeText.Of(TypicalShape(xShape, axes))} for normalised axes {AxesText(axes)}; got {ShapeText.Of(shape)}.");
        }
    }

    /// <summary>x's sizes on the normalised axes and 1 elsewhere, leading 1s dropped: the shape a per-feature scale has.</summary>
    private static int[] TypicalShape(ReadOnlySpan<int> xShape, int[] axes)
    {
        int first = axes[0];
        var shape = new int[xShape.Length - first];
        for (int i = 0; i < shape.Length; i++) shape[i] = Array.IndexOf(axes, first + i) >= 0 ? xShape[first + i] : 1;
        return shape;
    }

    private static string AxesText(int[] axes) =>
        "[" + string.Join(", ", axes.Select(a => a.ToString(CultureInfo.InvariantCulture))) + "]";
}
