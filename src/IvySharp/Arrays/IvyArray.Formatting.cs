using System.Globalization;
using System.Text;
using IvySharp.Internal;

namespace IvySharp;

public sealed partial class IvyArray
{
    // Past this many elements only the first and last EdgeItems of each dimension are printed, as numpy does.
    private const int SummaryThreshold = 1000;
    private const int EdgeItems = 3;

    /// <summary>
    /// Shape, dtype and values, e.g. <c>ivy.array([[0.669762, 0.330238], [0.330238, 0.669762]], shape=(2, 2), dtype=float32)</c>.
    /// Arrays of more than 1000 elements show the first and last three entries of each dimension around <c>...</c>.
    /// </summary>
    public override string ToString()
    {
        var values = ToArray<double>();
        var sb = new StringBuilder("ivy.array(");
        bool summarise = Size > SummaryThreshold;
        if (Rank == 0)
        {
            sb.Append(Format(values[0]));
        }
        else
        {
            AppendDimension(sb, values, 0, 0, summarise);
        }

        sb.Append(", shape=").Append(ShapeText.Of(_shape)).Append(", dtype=").Append(DType.Name()).Append(')');
        return sb.ToString();
    }

    private void AppendDimension(StringBuilder sb, double[] values, int dim, int offset, bool summarise)
    {
        int length = _shape[dim];
        int stride = 1;
        for (int i = dim + 1; i < _shape.Length; i++) stride *= _shape[i];
        sb.Append('[');
        for (int i = 0; i < length; i++)
        {
            if (summarise && length > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append("..., ");
                i = length - EdgeItems - 1;
                continue;
            }

            if (dim == _shape.Length - 1) sb.Append(Format(values[offset + i]));
            else AppendDimension(sb, values, dim + 1, offset + (i * stride), summarise);
            if (i < length - 1) sb.Append(", ");
        }

        sb.Append(']');
    }

    private string Format(double value)
    {
        if (DType == DType.Bool) return value != 0 ? "True" : "False";
        double magnitude = Math.Abs(value);
        // Fixed notation reads best for ordinary magnitudes; tiny and huge values switch to exponents.
        bool exponent = magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e7);
        return value.ToString(exponent ? "G6" : "0.######", CultureInfo.InvariantCulture);
    }
}
