using System.Buffers;
using System.Numerics;
using IvySharp.Kernels.Gemm;
using IvySharp.Planning;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// q, k and v of a call as <see cref="StridedBuffer{T}"/>s. Projections go through the GEMM straight into
/// head-major (N, H, tokens, d) buffers, the bias fused; self-attention with the packed weights is one
/// GEMM of 3E columns whose column offsets scatter q, k and v. Unprojected inputs and static keys/values
/// are read in place, in their own layout, unless bias/zero columns must be appended (then copied).
/// The one input pipeline of every CPU path (plain and tiled differ only in their core and in the GEMM
/// kernel the variant picks). Owns the pooled buffers until disposed. A struct, held in the caller's frame: as a
/// class it was about 300 bytes of every call.
/// </summary>
internal struct AttentionInputs<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // At most three buffers and three offset tables per call, held inline: no list objects per call.
    private Rented<T[]> _rented;
    private Rented<int[]> _rentedOffsets;
    private int _rentedCount, _rentedOffsetsCount;
    private readonly AttentionProblem<T> _problem;
    private readonly AttentionShape _shape;
    private readonly KernelVariant _variant;
    private readonly PreparedProjections<T>? _prepared;

    /// <param name="problem">The call.</param>
    /// <param name="variant">Picks the GEMM kernel.</param>
    /// <param name="prepared">The call's projection weights packed beforehand for <paramref name="variant"/>, or null (packed per call).</param>
    public AttentionInputs(AttentionProblem<T> problem, KernelVariant variant, PreparedProjections<T>? prepared)
    {
        _problem = problem;
        _shape = problem.Shape;
        _variant = variant;
        _prepared = prepared;
        AttentionShape shape = _shape;
        int e = shape.E, d = shape.D;
        if (problem.Route == ProjectionRoute.Packed && problem.StaticK is null && problem.StaticV is null && problem.SelfAttention)
        {
            // One GEMM for q, k and v: the q region gets S′ rows per (n, h) too, so one row offset serves all three.
            int region = shape.N * shape.H * shape.SPrime * d;
            T[] qkv = Rent(3 * region);
            Operand<T>? bias = problem.InProjBias;
            int[] columns = HeadMajorColumns(3 * e, shape.SPrime, region);
            // With prepared weights the problem carries no weight operands (ProblemBuilder skips them).
            ReadOnlySpan<T> weights = prepared is null ? problem.InProjWeights!.Span : default;
            Project(problem.Query, shape.QFeatures, shape.L, isQuery: true, weights, 3 * e, bias is null ? default : bias.Span, qkv, 0, shape.SPrime, columns, prepared?.InProjection);
            Query = HeadMajor(qkv, shape.SPrime, 0);
            Key = WithExtras(qkv, region, isKey: true);
            Value = WithExtras(qkv, 2 * region, isKey: false);
            return;
        }

        if (prepared is not null && problem.Route != ProjectionRoute.None && problem.StaticK is null && problem.StaticV is null)
        {
            (Query, Key, Value) = ProjectedTogether(prepared);
            return;
        }

        Query = problem.Route == ProjectionRoute.None ? InPlace(problem.Query, shape.L, shape.E) : Projected(0);
        Key = Source(isKey: true);
        Value = Source(isKey: false);
    }

    public StridedBuffer<T> Query { get; }
    public StridedBuffer<T> Key { get; }
    public StridedBuffer<T> Value { get; }

    private StridedBuffer<T> Source(bool isKey)
    {
        AttentionShape shape = _shape;
        Operand<T>? staticInput = isKey ? _problem.StaticK : _problem.StaticV;
        bool extras = shape.SPrime > shape.S;
        if (staticInput is not null)
        {
            Operand<T> source = staticInput;
            int rows = shape.S * shape.D;
            if (!extras) return new StridedBuffer<T>(source, shape.H * rows, rows, shape.D);
            T[] buffer = Rent(shape.N * shape.H * shape.SPrime * shape.D);
            for (int nh = 0; nh < shape.N * shape.H; nh++)
            {
                source.Span.Slice(nh * rows, rows).CopyTo(buffer.AsSpan(nh * shape.SPrime * shape.D, rows));
            }

            return WithExtras(buffer, 0, isKey);
        }

        if (_problem.Route == ProjectionRoute.None)
        {
            Operand<T> input = isKey ? _problem.Key : _problem.Value;
            if (!extras) return InPlace(input, shape.SInput, shape.E);
            T[] buffer = Rent(shape.N * shape.H * shape.SPrime * shape.D);
            Project(input, shape.E, shape.SInput, isQuery: false, default, shape.E, default, buffer, 0, shape.SPrime,
                HeadMajorColumns(shape.E, shape.SPrime, 0));
            return WithExtras(buffer, 0, isKey);
        }

        return Projected(isKey ? 1 : 2);
    }

    /// <summary>Projection <paramref name="part"/> (0 q, 1 k, 2 v) through the GEMM into a head-major buffer.</summary>
    private StridedBuffer<T> Projected(int part)
    {
        AttentionProblem<T> problem = _problem;
        AttentionShape shape = _shape;
        int e = shape.E;
        bool packed = problem.Route == ProjectionRoute.Packed;
        Operand<T> x = part switch { 0 => problem.Query, 1 => problem.Key, _ => problem.Value };
        int features = part switch { 0 => shape.QFeatures, 1 => shape.KFeatures, _ => shape.VFeatures };
        Operand<T>? w = packed ? problem.InProjWeights : part switch { 0 => problem.QProjWeights, 1 => problem.KProjWeights, _ => problem.VProjWeights };
        Operand<T>? bias = problem.InProjBias;
        ReadOnlySpan<T> weights = w is null ? default : packed ? w.Span.Slice(part * e * features, e * features) : w.Span;
        ReadOnlySpan<T> biasPart = bias is null ? default : bias.Span.Slice(part * e, e);
        int tokens = part == 0 ? shape.L : shape.SPrime;
        T[] buffer = Rent(shape.N * shape.H * tokens * shape.D);
        Project(x, features, part == 0 ? shape.L : shape.SInput, part == 0, weights, e, biasPart, buffer, 0, tokens,
            HeadMajorColumns(e, tokens, 0), _prepared?.Part(part));
        return part == 0 ? HeadMajor(buffer, tokens, 0) : WithExtras(buffer, 0, isKey: part == 1);
    }

    /// <summary>
    /// q, k and v of a cross call (or separate weights) through the layer's prepared weights, the three GEMMs in one
    /// hand-off to the threads: a call of a few dozen tokens spends a large part of each GEMM waiting for its second
    /// thread to start and finish (the sentence-shape layer: three 27 × 384 × 384 products of about 40 µs each).
    /// The same bits as <see cref="Projected"/> three times. k and v share their offset tables (the same layout).
    /// </summary>
    private (StridedBuffer<T> Query, StridedBuffer<T> Key, StridedBuffer<T> Value) ProjectedTogether(PreparedProjections<T> prepared)
    {
        AttentionProblem<T> problem = _problem;
        AttentionShape shape = _shape;
        int e = shape.E, d = shape.D, sPrime = shape.SPrime;
        T[] query = Rent(shape.N * shape.H * shape.L * d), key = Rent(shape.N * shape.H * sPrime * d), value = Rent(shape.N * shape.H * sPrime * d);
        int[] queryRows = RowOffsets(isQuery: true, shape.L, shape.L), keyRows = RowOffsets(isQuery: false, shape.SInput, sPrime);
        int[] queryColumns = HeadMajorColumns(e, shape.L, 0), keyColumns = HeadMajorColumns(e, sPrime, 0);
        int queryRowCount = shape.N * shape.L, keyRowCount = shape.N * shape.SInput;
        Gemm<T>.RunTogether(
            new GemmCall<T>(prepared.Part(0), problem.Query.Span, queryRowCount, shape.QFeatures, query, queryRows, queryColumns),
            new GemmCall<T>(prepared.Part(1), problem.Key.Span, keyRowCount, shape.KFeatures, key, keyRows, keyColumns),
            new GemmCall<T>(prepared.Part(2), problem.Value.Span, keyRowCount, shape.VFeatures, value, keyRows, keyColumns));
        return (HeadMajor(query, shape.L, 0), WithExtras(key, 0, isKey: true), WithExtras(value, 0, isKey: false));
    }

    /// <summary>Pooled row offsets (returned with the buffers) of a head-major projection (<see cref="FillRowOffsets"/>).</summary>
    private int[] RowOffsets(bool isQuery, int inputTokens, int tokens)
    {
        int[] offsets = ArrayPool<int>.Shared.Rent(_shape.N * inputTokens);
        _rentedOffsets[_rentedOffsetsCount++] = offsets;
        FillRowOffsets(offsets, isQuery, inputTokens, tokens, 0);
        return offsets;
    }

    /// <summary>Where each input row (n, t) of q (or of k/v) starts in a head-major buffer: offset + (n·H·tokens + t)·d.</summary>
    private readonly void FillRowOffsets(Span<int> offsets, bool isQuery, int inputTokens, int tokens, int offset)
    {
        AttentionShape shape = _shape;
        for (int n = 0; n < shape.N; n++)
        {
            for (int t = 0; t < inputTokens; t++)
            {
                int row = isQuery ? shape.QueryRow(n, t) : shape.KeyRow(n, t);
                offsets[row] = offset + ((((n * shape.H) * tokens) + t) * shape.D);
            }
        }
    }

    /// <summary>
    /// y = x·Wᵀ + b for every input row, written to destination[offset + rowOffset(n, t) + columns[f]] with
    /// rowOffset = (n·H·tokens + t)·d; no weights means a plain copy into that layout. With <c>packed</c> (the
    /// same W and b prepared beforehand) the GEMM runs on it instead of packing W: the same bits.
    /// </summary>
    private void Project(
        Operand<T> x, int features, int inputTokens, bool isQuery, ReadOnlySpan<T> weights, int outFeatures,
        ReadOnlySpan<T> bias, T[] destination, int offset, int tokens, int[] columns, PackedWeights<T>? packed = null)
    {
        AttentionShape shape = _shape;
        int rows = shape.N * inputTokens;
        int[] rowOffsets = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            FillRowOffsets(rowOffsets, isQuery, inputTokens, tokens, offset);
            if (packed is not null)
            {
                Gemm<T>.Run(packed, x.Span, rows, features, destination, rowOffsets.AsSpan(0, rows), columns);
                return;
            }

            if (weights.IsEmpty && outFeatures == features)
            {
                // A copy into head-major rows: each head's d features are contiguous on both sides.
                ReadOnlySpan<T> source = x.Span;
                int d = shape.D;
                for (int r = 0; r < rows; r++)
                {
                    for (int f = 0; f < features; f += d)
                    {
                        source.Slice((r * features) + f, d).CopyTo(destination.AsSpan(rowOffsets[r] + columns[f], d));
                    }
                }

                return;
            }

            Gemm<T>.MultiplyTransposed(
                x.Span, rows, features, features, weights, outFeatures, bias, destination,
                rowOffsets.AsSpan(0, rows), columns, _variant);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rowOffsets);
        }
    }

    /// <summary>Column offsets of features [0, count): feature f of projection f / E goes to head (f mod E) / d.</summary>
    private int[] HeadMajorColumns(int count, int tokens, int region)
    {
        int e = _shape.E, d = _shape.D;
        // Pooled (returned with the buffers): a projection of 3E columns would otherwise allocate 12·E bytes per call.
        int[] offsets = ArrayPool<int>.Shared.Rent(count);
        _rentedOffsets[_rentedOffsetsCount++] = offsets;
        // Walked part by part and head by head: no integer division per feature (3E of them per projection).
        int f = 0;
        for (int part = 0; f < count; part++)
        {
            for (int head = 0; head * d < e && f < count; head++)
            {
                int start = (part * region) + (head * tokens * d);
                for (int j = 0; j < d && f < count; j++) offsets[f++] = start + j;
            }
        }

        return offsets;
    }

    private StridedBuffer<T> HeadMajor(T[] buffer, int tokens, int offset) =>
        new(buffer, (long)_shape.H * tokens * _shape.D, (long)tokens * _shape.D, _shape.D, offset);

    /// <summary>Fills the bias token (row S) and zero token (last row) of every (n, h) of a head-major key/value buffer.</summary>
    private StridedBuffer<T> WithExtras(T[] buffer, int offset, bool isKey)
    {
        AttentionShape shape = _shape;
        int d = shape.D;
        Operand<T>? token = isKey ? _problem.BiasK : _problem.BiasV;
        for (int nh = 0; nh < shape.N * shape.H; nh++)
        {
            int row = offset + (((nh * shape.SPrime) + shape.S) * d);
            if (token is not null)
            {
                token.Span.Slice((nh % shape.H) * d, d).CopyTo(buffer.AsSpan(row, d));
                row += d;
            }

            if (_problem.AddZeroAttn) buffer.AsSpan(row, d).Clear();
        }

        return HeadMajor(buffer, shape.SPrime, offset);
    }

    /// <summary>An unprojected input read where it lies: (N, tokens, E) batch-first or unbatched, (tokens, N, E) otherwise.</summary>
    private StridedBuffer<T> InPlace(Operand<T> input, int tokens, int width)
    {
        AttentionShape shape = _shape;
        return shape.SequenceFirst
            ? new StridedBuffer<T>(input, width, shape.D, (long)shape.N * width)
            : new StridedBuffer<T>(input, (long)tokens * width, shape.D, width);
    }

    private T[] Rent(int size)
    {
        T[] buffer = ArrayPool<T>.Shared.Rent(size);
        _rented[_rentedCount++] = buffer;
        return buffer;
    }

    /// <summary>Returns the pooled buffers (once: the owner disposes it once, with <c>using</c>).</summary>
    public readonly void Dispose()
    {
        for (int i = 0; i < _rentedCount; i++) ArrayPool<T>.Shared.Return(_rented[i]!);
        for (int i = 0; i < _rentedOffsetsCount; i++) ArrayPool<int>.Shared.Return(_rentedOffsets[i]!);
    }

    /// <summary>Room for the arrays one call rents (three regions or parts, and slack).</summary>
    [System.Runtime.CompilerServices.InlineArray(4)]
    private struct Rented<TArray>
        where TArray : class
    {
        private TArray? _first;
    }
}
