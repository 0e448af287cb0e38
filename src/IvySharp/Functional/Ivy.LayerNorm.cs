using IvySharp.Kernels;
using IvySharp.Kernels.Ops;
using IvySharp.Planning;

namespace IvySharp;

public static partial class Ivy
{
    /// <summary>
    /// Layer normalisation, as Ivy's <c>ivy.layer_norm</c>: over the axes <paramref name="normalizedIdxs"/>,
    /// <c>y = (((x − mean) / sqrt(var + eps)) · scale + offset) · newStd</c>, with the mean and the population
    /// variance (divided by the element count, not count − 1) of each group of elements that shares every other index.
    /// </summary>
    /// <param name="x">Any shape with at least one axis.</param>
    /// <param name="normalizedIdxs">The axes to normalise over: distinct, at least one, negative counting from the end (-1 is the last). Any set works; trailing axes are the fast case.</param>
    /// <param name="scale">Multiplies the normalised values; broadcast against x under numpy rules (Ivy's), so typically the normalised axes' shape: (C,) for [-1], (H, W) for [-2, -1], (C, 1) for axis 1 of (N, C, L). Null: 1.</param>
    /// <param name="offset">Added after the scale, broadcast like it. Null: 0. Applied also without a scale (Ivy ignores it then; see the README).</param>
    /// <param name="eps">Added to the variance; finite and ≥ 0.</param>
    /// <param name="newStd">The final factor (the output's standard deviation before scale and offset); finite.</param>
    /// <param name="out">Receives the result (any floating dtype, converted; x's shape); may be x itself. Returned when given.</param>
    /// <returns>An array of x's shape and dtype (or <paramref name="out"/>).</returns>
    /// <remarks>
    /// <para>Computed in float64 for every dtype (statistics and the normalisation), each result rounded once to x's
    /// dtype: float32 statistics cancel when the mean is large against the spread. The statistics are summed in one
    /// fixed order, so the result has the same bits on every kernel variant and thread count. Finite inputs never
    /// overflow or underflow the statistics (groups are rescaled by a power of two when they would).</para>
    /// <para>A group whose elements are all equal gives 0 (then offset·newStd) when eps &gt; 0, and NaN (0/0) when
    /// eps = 0. NaN or ±∞ anywhere in a group makes that whole group NaN. An empty x gives an empty result: there is
    /// no group to normalise, and no 0/0.</para>
    /// <para>No input is modified; every check runs before any write.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="normalizedIdxs"/> is null.</exception>
    /// <exception cref="ArgumentException">x is not floating; <paramref name="normalizedIdxs"/> is empty, names an axis outside x or one twice; scale or offset do not broadcast to x's shape or have another dtype; eps is negative or not finite; newStd is not finite; <paramref name="out"/> has another shape, is bool, or is a broadcast view. <see cref="ArgumentException.ParamName"/> names the argument; the message gives expected and given values.</exception>
    public static IvyArray LayerNorm(
        IvyArray x,
        int[] normalizedIdxs,
        IvyArray? scale = null,
        IvyArray? offset = null,
        double eps = 1e-5,
        double newStd = 1.0,
        IvyArray? @out = null) =>
        LayerNormDriver.Run(OpValidator.LayerNorm(x, normalizedIdxs, scale, offset, eps, newStd, @out), KernelSelector.Current);

    /// <summary>
    /// <see cref="LayerNorm(IvyArray, int[], IvyArray?, IvyArray?, double, double, IvyArray?)"/> with scale and offset
    /// already widened to float64 by a layer (<c>Layers.LayerNorm</c>, trailing axes, scale/offset of the group's
    /// shape): validated the same way, the same bits, without converting them again.
    /// </summary>
    internal static IvyArray LayerNorm(
        IvyArray x, int[] normalizedIdxs, IvyArray? scale, IvyArray? offset, double eps, double newStd, IvyArray? @out,
        double[]? preparedScale, double[]? preparedOffset) =>
        LayerNormDriver.Run(OpValidator.LayerNorm(x, normalizedIdxs, scale, offset, eps, newStd, @out, preparedScale, preparedOffset), KernelSelector.Current);
}
