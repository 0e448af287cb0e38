namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>
    /// Layer normalisation of this array: Ivy's <c>ivy.Array.layer_norm</c>, the same as
    /// <see cref="Ivy.LayerNorm(IvyArray, int[], IvyArray?, IvyArray?, double, double, IvyArray?)"/> with this array
    /// as x; every parameter, rule and exception is documented there.
    /// </summary>
    /// <param name="normalizedIdxs">The axes to normalise over (negative from the end).</param>
    /// <param name="scale">Broadcast against this array; null for 1.</param>
    /// <param name="offset">Broadcast against this array; null for 0.</param>
    /// <param name="eps">Added to the variance; finite, ≥ 0.</param>
    /// <param name="newStd">The final factor; finite.</param>
    /// <param name="out">Receives the result; may be this array. Returned when given.</param>
    /// <exception cref="ArgumentException">As <see cref="Ivy.LayerNorm(IvyArray, int[], IvyArray?, IvyArray?, double, double, IvyArray?)"/>.</exception>
    public IvyArray LayerNorm(
        int[] normalizedIdxs,
        IvyArray? scale = null,
        IvyArray? offset = null,
        double eps = 1e-5,
        double newStd = 1.0,
        IvyArray? @out = null) =>
        Ivy.LayerNorm(this, normalizedIdxs, scale, offset, eps, newStd, @out);
}
