namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>
    /// A linear transformation of this array: Ivy's <c>ivy.Array.linear</c>, the same as
    /// <see cref="Ivy.Linear(IvyArray, IvyArray, IvyArray?, IvyArray?)"/> with this array as x; every
    /// parameter, shape rule and exception is documented there.
    /// </summary>
    /// <param name="weight">(out_features, in_features).</param>
    /// <param name="bias">(out_features,), or null.</param>
    /// <param name="out">Receives the result; returned when given.</param>
    /// <exception cref="ArgumentException">As <see cref="Ivy.Linear(IvyArray, IvyArray, IvyArray?, IvyArray?)"/>.</exception>
    public IvyArray Linear(IvyArray weight, IvyArray? bias = null, IvyArray? @out = null) => Ivy.Linear(this, weight, bias, @out);
}
