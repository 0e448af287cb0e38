using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using IvySharp.Internal;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// The plain compute path: projections into head-major buffers, then one query row at a time
/// (scores, masks, stable softmax, dropout, weighted sum), then the output projection. Memory is
/// O(N·(L + S′)·E) plus one S′ row per worker: no L × S buffer unless weights are returned.
/// </summary>
internal static class SimpleAttention<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Query rows per work item: enough to amortise scheduling, small enough to spread short calls.
    private const int RowsPerItem = 16;

    /// <summary>Computes the attention output into <paramref name="output"/> (the call's layout) and, when non-null, the weights.</summary>
    public static void Compute(AttentionPlan plan, T[] output, T[]? weights)
    {
        int n = plan.N, h = plan.H, d = plan.D;
        var pool = ArrayPool<T>.Shared;
        T[] q = pool.Rent(n * h * plan.L * d);
        T[] k = pool.Rent(n * h * plan.SPrime * d);
        T[] v = pool.Rent(n * h * plan.SPrime * d);
        T[] attended = pool.Rent(n * plan.L * plan.E);
        T[]? attentionMask = null, paddingMask = null;
        try
        {
            ProjectInputs(plan, q, k, v);
            attentionMask = AdditiveMask(plan.AttentionMask);
            paddingMask = AdditiveMask(plan.KeyPaddingMask);
            Attend(plan, q, k, v, attentionMask, paddingMask, attended, weights);
            ProjectOutput(plan, attended, output);
        }
        finally
        {
            pool.Return(q);
            pool.Return(k);
            pool.Return(v);
            pool.Return(attended);
            if (attentionMask is not null) pool.Return(attentionMask);
            if (paddingMask is not null) pool.Return(paddingMask);
        }
    }

    private static void ProjectInputs(AttentionPlan plan, T[] q, T[] k, T[] v)
    {
        int e = plan.E;
        bool packed = plan.Route == ProjectionRoute.Packed;
        using var bias = Operand<T>.OfOptional(plan.InProjBias);
        using var packedWeights = Operand<T>.OfOptional(plan.InProjWeights);
        using (var query = Operand<T>.Of(plan.Query))
        using (var wq = packed ? null : Operand<T>.OfOptional(plan.QProjWeights))
        {
            SimpleProjection<T>.Project(plan, query, plan.QFeatures, plan.L, isQuery: true,
                packed ? packedWeights : wq, 0, bias, q, plan.L);
        }

        // Keys and values: projected unless replaced by static ones; bias and zero tokens appended.
        foreach (bool isKey in (ReadOnlySpan<bool>)[true, false])
        {
            T[] destination = isKey ? k : v;
            IvyArray? staticInput = isKey ? plan.StaticK : plan.StaticV;
            if (staticInput is not null)
            {
                using var source = Operand<T>.Of(staticInput);
                SimpleProjection<T>.CopyStatic(plan, source, destination);
            }
            else
            {
                using var input = Operand<T>.Of(isKey ? plan.Key : plan.Value);
                using var separate = packed ? null : Operand<T>.OfOptional(isKey ? plan.KProjWeights : plan.VProjWeights);
                int row = plan.Route switch
                {
                    ProjectionRoute.Packed => isKey ? e : 2 * e,
                    _ => 0,
                };
                SimpleProjection<T>.Project(plan, input, isKey ? plan.KFeatures : plan.VFeatures, plan.SInput,
                    isQuery: false, packed ? packedWeights : separate, row, null, destination, plan.SPrime);
                if (bias is not null) AddBias(plan, bias.Span.Slice(isKey ? e : 2 * e, e), destination);
            }

            using var token = Operand<T>.OfOptional(isKey ? plan.BiasK : plan.BiasV);
            SimpleProjection<T>.AppendExtraColumns(plan, token, destination);
        }
    }

    // Key/value biases are added after the projection so the query path (which adds its bias inline) and
    // the key/value path share one Project routine; the sum is the same y = x·Wᵀ + b.
    private static void AddBias(AttentionPlan plan, ReadOnlySpan<T> bias, T[] destination)
    {
        int d = plan.D;
        for (int nh = 0; nh < plan.N * plan.H; nh++)
        {
            ReadOnlySpan<T> headBias = bias.Slice((nh % plan.H) * d, d);
            for (int s = 0; s < plan.SInput; s++)
            {
                Span<T> row = destination.AsSpan(((nh * plan.SPrime) + s) * d, d);
                TensorPrimitives.Add(row, headBias, row);
            }
        }
    }

    /// <summary>A mask as additive values in T: bool true → −∞, false → 0; floating masks converted.</summary>
    private static T[]? AdditiveMask(MaskPlan? mask)
    {
        if (mask is null) return null;
        int size = mask.Array.Size;
        T[] buffer = ArrayPool<T>.Shared.Rent(size);
        if (!mask.IsBool)
        {
            mask.Array.CopyTo<T>(buffer.AsSpan(0, size));
            return buffer;
        }

        ReadOnlySpan<bool> flags = ((ArrayStorage<bool>)mask.Array.Storage).Read();
        for (int i = 0; i < size; i++) buffer[i] = flags[i] ? T.NegativeInfinity : T.Zero;
        return buffer;
    }

    private static void Attend(
        AttentionPlan plan, T[] q, T[] k, T[] v, T[]? attentionMask, T[]? paddingMask, T[] attended, T[]? weights)
    {
        int blocks = (plan.L + RowsPerItem - 1) / RowsPerItem;
        long flopsPerItem = 4L * RowsPerItem * plan.SPrime * plan.E;
        ParallelPolicy.For(plan.N * blocks, flopsPerItem, item =>
        {
            int n = item / blocks;
            int first = (item - (n * blocks)) * RowsPerItem;
            int last = Math.Min(first + RowsPerItem, plan.L);
            T[] scores = ArrayPool<T>.Shared.Rent(plan.SPrime);
            try
            {
                for (int head = 0; head < plan.H; head++)
                {
                    for (int i = first; i < last; i++)
                    {
                        Span<T> row = scores.AsSpan(0, plan.SPrime);
                        SimpleRows<T>.Scores(plan, q, k, attentionMask, paddingMask, n, head, i, row);
                        SimpleRows<T>.Softmax(row);
                        SimpleRows<T>.Dropout(plan, n, head, i, row);
                        SimpleRows<T>.WeightedSum(plan, v, n, head, row, attended.AsSpan((((n * plan.L) + i) * plan.E) + (head * plan.D), plan.D));
                        if (weights is not null) SimpleRows<T>.StoreWeights(plan, n, head, i, row, weights);
                    }
                }

                if (weights is not null && plan.AverageWeights)
                {
                    Span<T> block = weights.AsSpan(((n * plan.L) + first) * plan.SPrime, (last - first) * plan.SPrime);
                    TensorPrimitives.Divide(block, T.CreateChecked(plan.H), block);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scores);
            }
        });
    }

    private static void ProjectOutput(AttentionPlan plan, T[] attended, T[] output)
    {
        int e = plan.E, o = plan.O;
        using var weights = Operand<T>.OfOptional(plan.OutProjWeights);
        using var bias = Operand<T>.OfOptional(plan.OutProjBias);
        ParallelPolicy.For(plan.N * plan.L, 2L * e * o, item =>
        {
            int n = item / plan.L, i = item - (n * plan.L);
            ReadOnlySpan<T> x = attended.AsSpan(item * e, e);
            Span<T> y = output.AsSpan(plan.QueryRow(n, i) * o, o);
            if (weights is null)
            {
                x.CopyTo(y);
                return;
            }

            ReadOnlySpan<T> w = weights.Span;
            for (int f = 0; f < o; f++) y[f] = TensorPrimitives.Dot(x, w.Slice(f * e, e));
            if (bias is not null) TensorPrimitives.Add(y, bias.Span, y);
        });
    }
}
