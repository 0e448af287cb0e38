namespace IvySharp.Kernels.Ops;

/// <summary>
/// How x splits into layer-norm groups: the normalised axes (ascending) index the elements of a group,
/// the other axes index the groups, both row-major. With trailing axes a group is one contiguous run.
/// </summary>
internal sealed class GroupLayout
{
    private readonly int[] _outerDims;
    private readonly int[] _outerStrides;
    private readonly int[]? _inner;

    public GroupLayout(ReadOnlySpan<int> shape, int[] axes)
    {
        int rank = shape.Length;
        var strides = RowMajorStrides(shape);
        var outerDims = new List<int>();
        var outerStrides = new List<int>();
        var innerDims = new List<int>();
        var innerStrides = new List<int>();
        for (int a = 0; a < rank; a++)
        {
            bool normalised = Array.IndexOf(axes, a) >= 0;
            (normalised ? innerDims : outerDims).Add(shape[a]);
            (normalised ? innerStrides : outerStrides).Add((int)strides[a]);
        }

        Trailing = axes[0] == rank - axes.Length;
        Shape = shape.ToArray();
        _outerDims = [.. outerDims];
        _outerStrides = [.. outerStrides];
        Groups = Product(_outerDims);
        GroupSize = Product([.. innerDims]);
        OuterAxes = [.. Enumerable.Range(0, rank).Where(a => Array.IndexOf(axes, a) < 0)];
        InnerAxes = axes;
        _inner = Trailing ? null : Offsets([.. innerDims], [.. innerStrides]);
    }

    /// <summary>The normalised axes are the last ones: group m is x[m·G, (m+1)·G).</summary>
    public bool Trailing { get; }

    /// <summary>Number of groups M (the product of the other axes).</summary>
    public int Groups { get; }

    /// <summary>Elements per group G (the product of the normalised axes).</summary>
    public int GroupSize { get; }

    /// <summary>The axes that index groups, ascending.</summary>
    public int[] OuterAxes { get; }

    /// <summary>The normalised axes, ascending.</summary>
    public int[] InnerAxes { get; }

    /// <summary>x's shape.</summary>
    public int[] Shape { get; }

    /// <summary>Where group <paramref name="m"/> starts in x (row-major element offset).</summary>
    public int Outer(int m) => Trailing ? m * GroupSize : Offset(m, _outerDims, _outerStrides);

    /// <summary>Offset of a group's element <paramref name="i"/> from the group's start.</summary>
    public int Inner(int i) => _inner is null ? i : _inner[i];

    /// <summary>Row-major strides (in elements) of <paramref name="shape"/>.</summary>
    public static long[] RowMajorStrides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            strides[a] = stride;
            stride *= Math.Max(1, shape[a]);
        }

        return strides;
    }

    /// <summary>Σ index_a · stride_a for the row-major multi-index number <paramref name="flat"/> over <paramref name="dims"/>.</summary>
    public static int Offset(int flat, int[] dims, int[] strides)
    {
        int offset = 0;
        for (int a = dims.Length - 1; a >= 0; a--)
        {
            int d = dims[a];
            offset += flat % d * strides[a];
            flat /= d;
        }

        return offset;
    }

    /// <summary>The offset of every multi-index over <paramref name="dims"/>, row-major.</summary>
    public static int[] Offsets(int[] dims, int[] strides)
    {
        var offsets = new int[Product(dims)];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = Offset(i, dims, strides);
        return offsets;
    }

    private static int Product(int[] dims)
    {
        int p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }
}

/// <summary>
/// A scale or offset broadcast against x (numpy rules, validated): its element for x's element
/// (group m, element i) is at <c>Outer(m) + inner[i]</c> in its own row-major data, broadcast axes having stride 0.
/// </summary>
internal sealed class BroadcastMap
{
    private readonly int[] _outerDims;
    private readonly int[] _outerStrides;
    private readonly int[] _inner;

    public BroadcastMap(ReadOnlySpan<int> arrayShape, GroupLayout layout)
    {
        // x's axis a meets the array's axis a − (rank_x − rank_array); missing or length-1 axes broadcast (stride 0).
        int lead = layout.Shape.Length - arrayShape.Length;
        long[] own = GroupLayout.RowMajorStrides(arrayShape);
        int[] shape = arrayShape.ToArray();
        int Stride(int axis) => axis - lead < 0 || shape[axis - lead] == 1 ? 0 : (int)own[axis - lead];

        // Indices run over x's sizes (the array's are x's or 1); a broadcast axis just has stride 0.
        _outerDims = [.. layout.OuterAxes.Select(a => layout.Shape[a])];
        _outerStrides = [.. layout.OuterAxes.Select(Stride)];
        _inner = GroupLayout.Offsets([.. layout.InnerAxes.Select(a => layout.Shape[a])], [.. layout.InnerAxes.Select(Stride)]);
        Shared = _outerStrides.All(s => s == 0);
    }

    /// <summary>The same values for every group (every non-normalised axis is broadcast).</summary>
    public bool Shared { get; }

    /// <summary>Group <paramref name="m"/>'s values, in a new array.</summary>
    public double[] Gather(ReadOnlySpan<double> data, int m)
    {
        var values = new double[_inner.Length];
        GatherInto(data, m, values);
        return values;
    }

    /// <summary>Group <paramref name="m"/>'s values, into the start of <paramref name="work"/>.</summary>
    public ReadOnlySpan<double> GatherInto(ReadOnlySpan<double> data, int m, double[] work)
    {
        int start = GroupLayout.Offset(m, _outerDims, _outerStrides);
        for (int i = 0; i < _inner.Length; i++) work[i] = data[start + _inner[i]];
        return work.AsSpan(0, _inner.Length);
    }
}
