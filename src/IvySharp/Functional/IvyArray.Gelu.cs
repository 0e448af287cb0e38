namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>
    /// GELU of this array: Ivy's <c>ivy.Array.gelu</c>, the same as
    /// <see cref="Ivy.Gelu(IvyArray, bool, IvyArray?)"/> with this array as x; every parameter, rule and
    /// exception is documented there.
    /// </summary>
    /// <param name="approximate">Use the tanh approximation.</param>
    /// <param name="out">Receives the result; may be this array. Returned when given.</param>
    /// <exception cref="ArgumentException">As <see cref="Ivy.Gelu(IvyArray, bool, IvyArray?)"/>.</exception>
    public IvyArray Gelu(bool approximate = false, IvyArray? @out = null) => Ivy.Gelu(this, approximate, @out);
}
