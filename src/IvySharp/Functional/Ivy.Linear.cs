using IvySharp.Kernels;
using IvySharp.Kernels.Ops;
using IvySharp.Planning;

namespace IvySharp;

public static partial class Ivy
{
    /// <summary>
    /// A linear (fully connected) transformation, as Ivy's <c>ivy.linear</c>:
    /// <c>y[…, o] = Σ_i x[…, i] · weight[o, i] + bias[o]</c>, i.e. <c>y = x · weightᵀ + bias</c>.
    /// </summary>
    /// <param name="x">(…, in_features): any number of leading axes (at least the feature axis).</param>
    /// <param name="weight">(out_features, in_features), as PyTorch and Ivy store a linear layer's weight.</param>
    /// <param name="bias">(out_features,), or null for none.</param>
    /// <param name="out">Receives the result (any floating dtype, converted; the shape of the result). Returned when given.</param>
    /// <returns>(…, out_features) in x's dtype (or <paramref name="out"/>).</returns>
    /// <remarks>
    /// <para>Dtypes: float64 is computed in float64; float32 and float16 in float32 (float32 accumulation), a
    /// float16 result rounded once. weight and bias have x's dtype. Every output element is summed in one fixed
    /// order: the result has the same bits on every kernel variant and thread count.</para>
    /// <para>Empty axes give empty results; in_features = 0 gives the bias (zeros without one) in every row.
    /// NaN and ±∞ propagate as IEEE arithmetic does (a NaN in x reaches every output of its row).</para>
    /// <para>No input is modified. Every check runs before any write: after an exception, <paramref name="out"/> is
    /// unchanged. <paramref name="out"/> may be x itself or overlap it (the result is then staged in a buffer).</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> or <paramref name="weight"/> is null.</exception>
    /// <exception cref="ArgumentException">x is rank 0 or not floating; weight is not (out, in) with in = x's last axis; bias is not (out,); a dtype differs from x's; <paramref name="out"/> has another shape, is bool, or is a broadcast view. <see cref="ArgumentException.ParamName"/> names the argument; the message gives expected and given shapes or dtypes.</exception>
    public static IvyArray Linear(IvyArray x, IvyArray weight, IvyArray? bias = null, IvyArray? @out = null) =>
        LinearKernel.Run(OpValidator.Linear(x, weight, bias, @out), KernelSelector.Current);
}
