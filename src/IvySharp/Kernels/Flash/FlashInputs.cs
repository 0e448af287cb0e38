using System.Buffers;
using System.Numerics;
using IvySharp.Planning;
using GemmKernel = IvySharp.Kernels.Gemm;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// q, k and v of a call as <see cref="StridedBuffer{T}"/>s. Projections go through the GEMM straight into
/// head-major (N, H, tokens, d) buffers, the bias fused; self-attention with the packed weights is one
/// GEMM of 3E columns whose column offsets scatter q, k and v. Unprojected inputs and static keys/values
/// are read in place, in their own layout, unless bias/zero columns must be appended (then copied).
/// Owns the pooled buffers and operands until disposed.
/// </summary>
internal sealed class FlashInputs<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<T[]> _rented = [];
    private readonly List<IDisposable> _operands = [];
    private readonly AttentionPlan _plan;

    public FlashInputs(AttentionPlan plan)
    {
        _plan = plan;
        int e = plan.E, d = plan.D;
        if (plan.Route == ProjectionRoute.Packed && plan.StaticK is null && plan.StaticV is null
            && ReferenceEquals(plan.Key, plan.Query) && ReferenceEquals(plan.Value, plan.Query))
        {
            // One GEMM for q, k and v: the q region gets S′ rows per (n, h) too, so one row offset serves all three.
            int region = plan.N * plan.H * plan.SPrime * d;
            T[] qkv = Rent(3 * region);
            Operand<T> x = Own(Operand<T>.Of(plan.Query));
            Operand<T> w = Own(Operand<T>.Of(plan.InProjWeights!));
            Operand<T>? bias = Own(Operand<T>.OfOptional(plan.InProjBias));
            int[] columns = HeadMajorColumns(3 * e, plan.SPrime, region);
            Project(x, plan.QFeatures, plan.L, isQuery: true, w.Span, 3 * e, bias is null ? default : bias.Span, qkv, 0, plan.SPrime, columns);
            Query = HeadMajor(qkv, plan.SPrime, 0);
            Key = WithExtras(qkv, region, isKey: true);
            Value = WithExtras(qkv, 2 * region, isKey: false);
            return;
        }

        Query = plan.Route == ProjectionRoute.None ? InPlace(Own(Operand<T>.Of(plan.Query)), plan.L, plan.E) : Projected(0);
        Key = Source(isKey: true);
        Value = Source(isKey: false);
    }

    public StridedBuffer<T> Query { get; }
    public StridedBuffer<T> Key { get; }
    public StridedBuffer<T> Value { get; }

    private StridedBuffer<T> Source(bool isKey)
    {
        AttentionPlan plan = _plan;
        IvyArray? staticInput = isKey ? plan.StaticK : plan.StaticV;
        bool extras = plan.SPrime > plan.S;
        if (staticInput is not null)
        {
            Operand<T> source = Own(Operand<T>.Of(staticInput));
            int rows = plan.S * plan.D;
            if (!extras) return new StridedBuffer<T>(source, plan.H * rows, rows, plan.D);
            T[] buffer = Rent(plan.N * plan.H * plan.SPrime * plan.D);
            for (int nh = 0; nh < plan.N * plan.H; nh++)
            {
                source.Span.Slice(nh * rows, rows).CopyTo(buffer.AsSpan(nh * plan.SPrime * plan.D, rows));
            }

            return WithExtras(buffer, 0, isKey);
        }

        if (plan.Route == ProjectionRoute.None)
        {
            Operand<T> input = Own(Operand<T>.Of(isKey ? plan.Key : plan.Value));
            if (!extras) return InPlace(input, plan.SInput, plan.E);
            T[] buffer = Rent(plan.N * plan.H * plan.SPrime * plan.D);
            Project(input, plan.E, plan.SInput, isQuery: false, default, plan.E, default, buffer, 0, plan.SPrime,
                HeadMajorColumns(plan.E, plan.SPrime, 0));
            return WithExtras(buffer, 0, isKey);
        }

        return Projected(isKey ? 1 : 2);
    }

    /// <summary>Projection <paramref name="part"/> (0 q, 1 k, 2 v) through the GEMM into a head-major buffer.</summary>
    private StridedBuffer<T> Projected(int part)
    {
        AttentionPlan plan = _plan;
        int e = plan.E;
        bool packed = plan.Route == ProjectionRoute.Packed;
        IvyArray input = part switch { 0 => plan.Query, 1 => plan.Key, _ => plan.Value };
        int features = part switch { 0 => plan.QFeatures, 1 => plan.KFeatures, _ => plan.VFeatures };
        Operand<T> x = Own(Operand<T>.Of(input));
        Operand<T> w = Own(Operand<T>.Of(packed ? plan.InProjWeights! : part switch { 0 => plan.QProjWeights!, 1 => plan.KProjWeights!, _ => plan.VProjWeights! }));
        Operand<T>? bias = Own(Operand<T>.OfOptional(plan.InProjBias));
        ReadOnlySpan<T> weights = packed ? w.Span.Slice(part * e * features, e * features) : w.Span;
        ReadOnlySpan<T> biasPart = bias is null ? default : bias.Span.Slice(part * e, e);
        int tokens = part == 0 ? plan.L : plan.SPrime;
        T[] buffer = Rent(plan.N * plan.H * tokens * plan.D);
        Project(x, features, part == 0 ? plan.L : plan.SInput, part == 0, weights, e, biasPart, buffer, 0, tokens,
            HeadMajorColumns(e, tokens, 0));
        return part == 0 ? HeadMajor(buffer, tokens, 0) : WithExtras(buffer, 0, isKey: part == 1);
    }

    /// <summary>
    /// y = x·Wᵀ + b for every input row, written to destination[offset + rowOffset(n, t) + columns[f]] with
    /// rowOffset = (n·H·tokens + t)·d; no weights means a plain copy into that layout.
    /// </summary>
    private void Project(
        Operand<T> x, int features, int inputTokens, bool isQuery, ReadOnlySpan<T> weights, int outFeatures,
        ReadOnlySpan<T> bias, T[] destination, int offset, int tokens, int[] columns)
    {
        AttentionPlan plan = _plan;
        int rows = plan.N * inputTokens;
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            for (int n = 0; n < plan.N; n++)
            {
                for (int t = 0; t < inputTokens; t++)
                {
                    int row = isQuery ? plan.QueryRow(n, t) : plan.KeyRow(n, t);
                    rowOffsets[row] = offset + ((((n * plan.H) * tokens) + t) * plan.D);
                }
            }

            if (weights.IsEmpty && outFeatures == features)
            {
                // A copy into head-major rows: each head's d features are contiguous on both sides.
                ReadOnlySpan<T> source = x.Span;
                int d = plan.D;
                for (int r = 0; r < rows; r++)
                {
                    for (int f = 0; f < features; f += d)
                    {
                        source.Slice((r * features) + f, d).CopyTo(destination.AsSpan(rowOffsets[r] + columns[f], d));
                    }
                }

                return;
            }

            GemmKernel.Gemm<T>.MultiplyTransposed(
                x.Span, rows, features, features, weights, outFeatures, bias, destination,
                rowOffsets.AsSpan(0, rows), columns, _plan.Variant);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rowOffsets);
        }
    }

    /// <summary>Column offsets of features [0, count): feature f of projection f / E goes to head (f mod E) / d.</summary>
    private int[] HeadMajorColumns(int count, int tokens, int region)
    {
        int e = _plan.E, d = _plan.D;
        var offsets = new int[count];
        for (int f = 0; f < count; f++)
        {
            int part = f / e, feature = f - (part * e), head = feature / d;
            offsets[f] = (part * region) + (head * tokens * d) + (feature - (head * d));
        }

        return offsets;
    }

    private StridedBuffer<T> HeadMajor(T[] buffer, int tokens, int offset) =>
        new(buffer, (long)_plan.H * tokens * _plan.D, (long)tokens * _plan.D, _plan.D, offset);

    /// <summary>Fills the bias token (row S) and zero token (last row) of every (n, h) of a head-major key/value buffer.</summary>
    private StridedBuffer<T> WithExtras(T[] buffer, int offset, bool isKey)
    {
        AttentionPlan plan = _plan;
        int d = plan.D;
        Operand<T>? token = Own(Operand<T>.OfOptional(isKey ? plan.BiasK : plan.BiasV));
        for (int nh = 0; nh < plan.N * plan.H; nh++)
        {
            int row = offset + (((nh * plan.SPrime) + plan.S) * d);
            if (token is not null)
            {
                token.Span.Slice((nh % plan.H) * d, d).CopyTo(buffer.AsSpan(row, d));
                row += d;
            }

            if (plan.AddZeroAttn) buffer.AsSpan(row, d).Clear();
        }

        return HeadMajor(buffer, plan.SPrime, offset);
    }

    /// <summary>An unprojected input read where it lies: (N, tokens, E) batch-first or unbatched, (tokens, N, E) otherwise.</summary>
    private StridedBuffer<T> InPlace(Operand<T> input, int tokens, int width)
    {
        AttentionPlan plan = _plan;
        bool sequenceFirst = plan.Batched && !plan.BatchFirst;
        return sequenceFirst
            ? new StridedBuffer<T>(input, width, plan.D, (long)plan.N * width)
            : new StridedBuffer<T>(input, (long)tokens * width, plan.D, width);
    }

    private T[] Rent(int size)
    {
        T[] buffer = ArrayPool<T>.Shared.Rent(size);
        _rented.Add(buffer);
        return buffer;
    }

    private TOwned Own<TOwned>(TOwned operand)
        where TOwned : IDisposable?
    {
        if (operand is not null) _operands.Add(operand);
        return operand;
    }

    public void Dispose()
    {
        foreach (IDisposable operand in _operands) operand.Dispose();
        foreach (T[] buffer in _rented) ArrayPool<T>.Shared.Return(buffer);
        _operands.Clear();
        _rented.Clear();
    }
}
