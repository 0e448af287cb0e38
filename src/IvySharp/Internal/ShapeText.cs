namespace IvySharp.Internal;

/// <summary>Formats shapes the way error messages and <see cref="IvyArray.ToString"/> print them: <c>(2, 3)</c>.</summary>
internal static class ShapeText
{
    public static string Of(ReadOnlySpan<int> dims)
    {
        if (dims.Length == 1) return $"({dims[0]},)";
        var parts = new string[dims.Length];
        for (int i = 0; i < dims.Length; i++) parts[i] = dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + ")";
    }

    public static string Of(params long[] dims)
    {
        if (dims.Length == 1) return $"({dims[0]},)";
        return "(" + string.Join(", ", dims) + ")";
    }
}
