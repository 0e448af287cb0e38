using System.Collections.ObjectModel;
using IvySharp.Containers;
using IvySharp.Internal;

namespace IvySharp;

public sealed partial class Container
{
    /// <summary>
    /// True when <paramref name="other"/> has the same tree: the same keys at every level (in any order) and
    /// the same kind of node at every key (array, sub-container, or list of the same length). Values are not compared.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    public bool HasSameStructure(Container other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Difference(this, other, string.Empty, tolerance: null) is null;
    }

    /// <summary>
    /// True when <paramref name="other"/> has the same structure (<see cref="HasSameStructure"/>) and every pair
    /// of arrays has the same shape and dtype and values within <paramref name="tolerance"/> of each other
    /// (absolute; 0 asks for exact equality; NaN matches NaN). A test helper: <see cref="FindDifference"/> says what differs.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative or NaN.</exception>
    public bool AllClose(Container other, double tolerance = 0) => FindDifference(other, tolerance) is null;

    /// <summary>
    /// The first difference <see cref="AllClose"/> would find, as a sentence naming the key chain
    /// (e.g. <c>"At 'a/b': shapes (2, 3) and (3, 2) differ."</c>), or null when there is none.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative or NaN.</exception>
    public string? FindDifference(Container other, double tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be a non-negative number.");
        return Difference(this, other, string.Empty, tolerance);
    }

    // A null tolerance compares structure only.
    private static string? Difference(Container left, Container right, string prefix, double? tolerance)
    {
        foreach (string key in left._keys)
        {
            string chain = KeyChain.Join(prefix, key);
            if (!right._values.TryGetValue(key, out ContainerValue r)) return $"At '{chain}': only the first container has a node.";
            ContainerValue l = left._values[key];
            if (l.Kind != r.Kind) return $"At '{chain}': {ContainerValue.Describe(l.Kind)} and {ContainerValue.Describe(r.Kind)} differ.";
            string? difference = l.Raw switch
            {
                Container lc => Difference(lc, (Container)r.Raw!, chain, tolerance),
                ReadOnlyCollection<IvyArray> ls => SequenceDifference(ls, (ReadOnlyCollection<IvyArray>)r.Raw!, chain, tolerance),
                _ => tolerance is double t ? ArrayDifference((IvyArray)l.Raw!, (IvyArray)r.Raw!, chain, t) : null,
            };
            if (difference is not null) return difference;
        }

        foreach (string key in right._keys)
        {
            if (!left._values.ContainsKey(key)) return $"At '{KeyChain.Join(prefix, key)}': only the second container has a node.";
        }

        return null;
    }

    private static string? SequenceDifference(ReadOnlyCollection<IvyArray> left, ReadOnlyCollection<IvyArray> right, string chain, double? tolerance)
    {
        if (left.Count != right.Count) return $"At '{chain}': lists of {left.Count} and {right.Count} arrays differ.";
        if (tolerance is not double t) return null;
        for (int i = 0; i < left.Count; i++)
        {
            string? difference = ArrayDifference(left[i], right[i], $"{chain}[{i}]", t);
            if (difference is not null) return difference;
        }

        return null;
    }

    private static string? ArrayDifference(IvyArray left, IvyArray right, string chain, double tolerance)
    {
        if (!left.ShapeSpan.SequenceEqual(right.ShapeSpan))
        {
            return $"At '{chain}': shapes {ShapeText.Of(left.ShapeSpan)} and {ShapeText.Of(right.ShapeSpan)} differ.";
        }

        if (left.DType != right.DType) return $"At '{chain}': dtypes {left.DType.Name()} and {right.DType.Name()} differ.";
        double[] l = left.ToArray<double>(), r = right.ToArray<double>();
        for (int i = 0; i < l.Length; i++)
        {
            bool close = (double.IsNaN(l[i]) && double.IsNaN(r[i])) || l[i] == r[i] || Math.Abs(l[i] - r[i]) <= tolerance;
            if (!close) return $"At '{chain}': element {i} (row-major) is {l[i]} and {r[i]}, more than {tolerance} apart.";
        }

        return null;
    }
}
