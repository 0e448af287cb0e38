using IvySharp.Kernels;
using IvySharp.Kernels.Ops;
using IvySharp.Planning;

namespace IvySharp;

public static partial class Ivy
{
    /// <summary>
    /// The Gaussian error linear unit, as Ivy's <c>ivy.gelu</c>, element by element:
    /// <c>0.5·x·(1 + erf(x/√2))</c>, or with <paramref name="approximate"/>
    /// <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (PyTorch's <c>approximate='tanh'</c>).
    /// </summary>
    /// <param name="x">Any shape.</param>
    /// <param name="approximate">Use the tanh approximation instead of the exact erf form.</param>
    /// <param name="out">Receives the result (any floating dtype, converted; x's shape); may be x itself. Returned when given.</param>
    /// <returns>An array of x's shape and dtype (or <paramref name="out"/>).</returns>
    /// <remarks>
    /// <para>float64 elements are evaluated in float64 (within 6e-16 of mpmath for the exact form); float32 and float16
    /// elements in float32, with the same formulas (within 1e-6 relative of the float64 result for the exact form,
    /// most elements within 2 ulps; the tanh form's tail within 3e-7·(1 + 2|u|)), then rounded once to x's dtype
    /// (measured errors: the README's accuracy section). The negative tail keeps its relative accuracy (erfc and the logistic form are used, not
    /// 1 + erf and 1 + tanh, which cancel). Vectorised with IvySharp's own erfc and exp, written once for every SIMD
    /// width: the bits depend only on x and its dtype, never on the kernel variant, thread count or JIT tier.</para>
    /// <para>GELU(+∞) = +∞, GELU(−∞) = −0 (the limit; the formula would give NaN), NaN stays NaN; an empty x gives an
    /// empty result.</para>
    /// <para>No input is modified; every check runs before any write.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentException">x is not floating; <paramref name="out"/> has another shape, is bool, or is a broadcast view. <see cref="ArgumentException.ParamName"/> names the argument.</exception>
    public static IvyArray Gelu(IvyArray x, bool approximate = false, IvyArray? @out = null) =>
        GeluKernel.Run(OpValidator.Gelu(x, approximate, @out), KernelSelector.Current);
}
