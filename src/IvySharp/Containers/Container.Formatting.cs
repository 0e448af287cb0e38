using System.Text;

namespace IvySharp;

public sealed partial class Container
{
    private const string Indent = "    ";

    /// <summary>
    /// The tree in Ivy's nested style, one node per line, sub-containers indented by four spaces:
    /// <code>
    /// {
    ///     a: ivy.array([1, 2], shape=(2), dtype=float32),
    ///     b: {
    ///         c: [ivy.array(...), ivy.array(...)]
    ///     }
    /// }
    /// </code>
    /// An empty container is <c>{}</c>; arrays print as <see cref="IvyArray.ToString"/>, lists of arrays in brackets.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb, 0);
        return sb.ToString();
    }

    private void Append(StringBuilder sb, int depth)
    {
        if (Count == 0)
        {
            sb.Append("{}");
            return;
        }

        sb.Append('{').Append('\n');
        for (int i = 0; i < _keys.Count; i++)
        {
            string key = _keys[i];
            for (int d = 0; d <= depth; d++) sb.Append(Indent);
            sb.Append(key).Append(": ");
            ContainerValue value = _values[key];
            if (value.Raw is Container sub) sub.Append(sb, depth + 1);
            else sb.Append(value.ToString());
            if (i < _keys.Count - 1) sb.Append(',');
            sb.Append('\n');
        }

        for (int d = 0; d < depth; d++) sb.Append(Indent);
        sb.Append('}');
    }
}
