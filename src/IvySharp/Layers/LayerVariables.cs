using IvySharp.Internal;

namespace IvySharp.Layers;

/// <summary>
/// Checks a variables container given to a layer (a pretrained model's, or one read back from <c>V</c>):
/// exactly the layer's keys, each an array of the expected shape and the layer's dtype. Errors are
/// <see cref="ArgumentException"/>s naming <c>v</c>, the key and the expected versus given shape or dtype.
/// </summary>
internal static class LayerVariables
{
    /// <summary>One expected variable: its key, shape and a description of that shape for messages.</summary>
    public readonly record struct Expected(string Key, int[] Shape, string ShapeName);

    /// <summary>The arrays for <paramref name="expected"/>, in order, after every check passed.</summary>
    public static IvyArray[] Validate(Container v, string layer, DType dtype, params Expected[] expected)
    {
        ArgumentNullException.ThrowIfNull(v, nameof(v));
        string keys = expected.Length == 0 ? "no variables" : string.Join(", ", expected.Select(e => $"'{e.Key}' {e.ShapeName} = {ShapeText.Of(e.Shape)}"));
        foreach (string key in v.Keys)
        {
            if (!expected.Any(e => e.Key == key))
            {
                throw new ArgumentException($"v has an entry '{key}' that {layer} does not have; expected {keys}.", nameof(v));
            }
        }

        var arrays = new IvyArray[expected.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            Expected e = expected[i];
            if (!v.TryGetValue(e.Key, out ContainerValue value))
            {
                throw new ArgumentException($"v has no '{e.Key}'; {layer} expects {keys}.", nameof(v));
            }

            if (!value.IsArray)
            {
                throw new ArgumentException($"v's '{e.Key}' must be an array {ShapeText.Of(e.Shape)}; got {value.Kind}.", nameof(v));
            }

            IvyArray array = value.AsArray();
            if (array.DType != dtype)
            {
                throw new ArgumentException($"v's '{e.Key}' must have the layer's dtype {dtype.Name()}; got {array.DType.Name()} (pass dtype: DType.{array.DType} to build the layer in that dtype).", nameof(v));
            }

            if (!array.ShapeSpan.SequenceEqual(e.Shape))
            {
                throw new ArgumentException($"v's '{e.Key}' must be {e.ShapeName} = {ShapeText.Of(e.Shape)}; got {ShapeText.Of(array.ShapeSpan)}.", nameof(v));
            }

            arrays[i] = array;
        }

        return arrays;
    }

    /// <summary>A layer's dtype must be floating (its variables are float16, float32 or float64 arrays).</summary>
    public static void RequireFloating(DType dtype)
    {
        if (!Enum.IsDefined(dtype) || !dtype.IsFloating())
        {
            throw new ArgumentException($"dtype must be Float16, Float32 or Float64; got {dtype}.", nameof(dtype));
        }
    }
}
