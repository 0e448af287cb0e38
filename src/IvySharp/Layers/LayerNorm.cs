using System.Globalization;
using IvySharp.Internal;

namespace IvySharp.Layers;

/// <summary>
/// Layer normalisation over the last axes, as Ivy's stateful <c>ivy.LayerNorm</c>: with
/// <c>elementwiseAffine</c>, variables <c>weight</c> (ones) and <c>bias</c> (zeros) of <c>normalizedShape</c>;
/// <see cref="Forward"/> = <c>Ivy.LayerNorm(x, [-k, …, -1], scale: weight, offset: bias, eps, newStd)</c> with
/// k = normalizedShape.Length.
/// </summary>
/// <remarks>
/// Variables are replaced only through <see cref="V"/> or <see cref="SetVariables"/> (validated, swapped at once);
/// the arrays given are kept without copying, and the layer may prepare state from them, which replacing the
/// variables discards. Writing into a variable's elements afterwards is not a supported way to change it: call
/// <see cref="SetVariables"/> again.
/// </remarks>
public sealed class LayerNorm
{
    private readonly int[] _normalizedShape;
    private readonly int[] _normalizedIdxs;
    private Variables _variables;

    /// <summary>A layer norm over the trailing axes <paramref name="normalizedShape"/>.</summary>
    /// <param name="normalizedShape">The sizes of x's last axes (at least one, each ≥ 0); copied.</param>
    /// <param name="eps">Added to the variance; finite, ≥ 0.</param>
    /// <param name="elementwiseAffine">Whether the layer has <c>weight</c> and <c>bias</c>.</param>
    /// <param name="newStd">The final factor; finite.</param>
    /// <param name="dtype">The variables' dtype: Float16, Float32 or Float64.</param>
    /// <param name="v">Existing variables: with <paramref name="elementwiseAffine"/> exactly <c>weight</c> and <c>bias</c> of <paramref name="normalizedShape"/>, else none; kept without copying.</param>
    /// <exception cref="ArgumentNullException"><paramref name="normalizedShape"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="normalizedShape"/> is empty, has a negative size or too many elements; eps or newStd out of range; dtype not floating; <paramref name="v"/> has a missing, extra or wrongly shaped or typed entry (ParamName <c>v</c>).</exception>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, double newStd = 1.0, DType dtype = DType.Float32, Container? v = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d < 0))
        {
            throw new ArgumentException($"normalizedShape must hold at least one size, each ≥ 0; got {(normalizedShape.Length == 0 ? "[]" : ShapeText.Of(normalizedShape))}.", nameof(normalizedShape));
        }

        if (normalizedShape.Aggregate(1L, (p, d) => Math.Min(p * d, long.MaxValue / 2)) > Array.MaxLength)
        {
            throw new ArgumentException($"normalizedShape {ShapeText.Of(normalizedShape)} has more than {Array.MaxLength} elements.", nameof(normalizedShape));
        }

        if (!double.IsFinite(eps) || eps < 0)
        {
            throw new ArgumentException($"eps must be finite and ≥ 0; got {eps.ToString(CultureInfo.InvariantCulture)}.", nameof(eps));
        }

        if (!double.IsFinite(newStd))
        {
            throw new ArgumentException($"newStd must be finite; got {newStd.ToString(CultureInfo.InvariantCulture)}.", nameof(newStd));
        }

        LayerVariables.RequireFloating(dtype);
        _normalizedShape = (int[])normalizedShape.Clone();
        _normalizedIdxs = [.. Enumerable.Range(1, normalizedShape.Length).Select(i => -i)];
        Eps = eps;
        ElementwiseAffine = elementwiseAffine;
        NewStd = newStd;
        DType = dtype;
        _variables = v is null ? Create() : Validate(v);
    }

    /// <summary>The sizes of the normalised (last) axes (a copy).</summary>
    public int[] NormalizedShape => (int[])_normalizedShape.Clone();

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Whether the layer has <c>weight</c> and <c>bias</c>.</summary>
    public bool ElementwiseAffine { get; }

    /// <summary>The final factor.</summary>
    public double NewStd { get; }

    /// <summary>The variables' dtype; inputs must have it too.</summary>
    public DType DType { get; }

    /// <summary>The scale <c>weight</c> (normalizedShape), or null without affine.</summary>
    public IvyArray? Weight => _variables.Weight;

    /// <summary>The offset <c>bias</c> (normalizedShape), or null without affine.</summary>
    public IvyArray? Bias => _variables.Bias;

    /// <summary>
    /// The variables under Ivy's names, <c>weight</c> and <c>bias</c> (empty without affine), in a new container
    /// on every get (the arrays are the layer's own). Setting validates and replaces them, as <see cref="SetVariables"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set: as <see cref="SetVariables"/>.</exception>
    public Container V
    {
        get
        {
            Variables current = _variables;
            var v = new Container();
            if (current.Weight is not null) v["weight"] = current.Weight;
            if (current.Bias is not null) v["bias"] = current.Bias;
            return v;
        }

        set => SetVariables(value);
    }

    /// <summary>Replaces the variables with <paramref name="v"/>'s after checking them; discards any state prepared from the old ones.</summary>
    /// <param name="v">With affine exactly <c>weight</c> and <c>bias</c> of normalizedShape in the layer's dtype; without, an empty container.</param>
    /// <exception cref="ArgumentNullException"><paramref name="v"/> is null.</exception>
    /// <exception cref="ArgumentException">A missing, extra, wrongly shaped or typed entry (ParamName <c>v</c>); the layer is unchanged.</exception>
    public void SetVariables(Container v) => _variables = Validate(v);

    /// <summary>
    /// The layer applied to <paramref name="x"/>: the same bits as
    /// <c>Ivy.LayerNorm(x, [-k, …, -1], Weight, Bias, Eps, NewStd, @out)</c>.
    /// </summary>
    /// <param name="x">(…, normalizedShape) in the layer's dtype.</param>
    /// <param name="out">Receives the result (x's shape); may be x. Returned when given.</param>
    /// <exception cref="ArgumentException">x's last axes are not normalizedShape (ParamName <c>x</c>), or as <see cref="Ivy.LayerNorm(IvyArray, int[], IvyArray?, IvyArray?, double, double, IvyArray?)"/>.</exception>
    public IvyArray Forward(IvyArray x, IvyArray? @out = null)
    {
        ArgumentNullException.ThrowIfNull(x);

        // Ivy does not check this; without affine variables nothing else would, and a wrong x would be normalised
        // over the wrong elements. PyTorch checks it too.
        int k = _normalizedShape.Length;
        if (x.Rank < k || !x.ShapeSpan[^k..].SequenceEqual(_normalizedShape))
        {
            throw new ArgumentException($"x must end with the normalised shape {ShapeText.Of(_normalizedShape)}: (…, {string.Join(", ", _normalizedShape)}); got {ShapeText.Of(x.ShapeSpan)}.", nameof(x));
        }

        Variables current = _variables;
        return Ivy.LayerNorm(x, _normalizedIdxs, current.Weight, current.Bias, Eps, NewStd, @out, current.PreparedWeight, current.PreparedBias);
    }

    private Variables Create()
    {
        if (!ElementwiseAffine) return new Variables(null, null, null, null);
        var weight = IvyArray.Zeros(DType, _normalizedShape);
        weight.WriteFrom<double>(Enumerable.Repeat(1.0, weight.Size).ToArray());
        return Prepared(weight, IvyArray.Zeros(DType, _normalizedShape));
    }

    /// <summary>
    /// The variables with their float64 copies, which the forward hands the kernel instead of converting weight and
    /// bias on every call (3–12 KB and about half the fixed cost of a small call). Arrays on a device are left to
    /// their backend. Like <see cref="MultiHeadAttention"/>'s packed weights, the copies are made here, when the
    /// variables are set: writing into the weight or bias arrays afterwards takes effect through <see cref="SetVariables"/>.
    /// </summary>
    private static Variables Prepared(IvyArray weight, IvyArray bias) =>
        weight.Storage is DeviceStorage || bias.Storage is DeviceStorage
            ? new Variables(weight, bias, null, null)
            : new Variables(weight, bias, weight.ToArray<double>(), bias.ToArray<double>());

    private Variables Validate(Container v)
    {
        if (!ElementwiseAffine)
        {
            LayerVariables.Validate(v, "LayerNorm (elementwiseAffine: false)", DType);
            return new Variables(null, null, null, null);
        }

        IvyArray[] arrays = LayerVariables.Validate(
            v, "LayerNorm", DType,
            new LayerVariables.Expected("weight", _normalizedShape, "normalizedShape"),
            new LayerVariables.Expected("bias", _normalizedShape, "normalizedShape"));
        return Prepared(arrays[0], arrays[1]);
    }

    private sealed record Variables(IvyArray? Weight, IvyArray? Bias, double[]? PreparedWeight, double[]? PreparedBias);
}
