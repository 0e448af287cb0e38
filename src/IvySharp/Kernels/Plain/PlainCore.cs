using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Internal;
using IvySharp.Kernels.Flash;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Plain;

/// <summary>
/// The plain core: one query row of one head at a time, in the contract's literal order — scaled dot
/// products over all S′ keys, the masks (<see cref="RowRules{T, TVector, TSimd}.Mask"/>), a stable softmax,
/// dropout, and Σ w·v skipping weights of exactly 0 — on the rules' one-lane form. The tests' second opinion
/// on the tiled engine, and what <see cref="FlashRepair{T}"/> recomputes a marked row with. Memory: one
/// S′ row (+ d) per worker; no L × S buffer unless weights are returned.
/// </summary>
internal static class PlainCore<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Query rows per work item: enough to amortise scheduling, small enough to spread short calls.
    private const int RowsPerItem = 16;

    /// <summary>The attended rows (and the weights, when asked for) of every (sample, head, query row).</summary>
    public static void Run(CoreProblem<T> p)
    {
        int blocks = (p.L + RowsPerItem - 1) / RowsPerItem;
        long flopsPerItem = 4L * RowsPerItem * p.SPrime * p.D * p.H;
        ParallelPolicy.For(p.N * blocks, flopsPerItem, item =>
        {
            int n = item / blocks;
            int first = (item - (n * blocks)) * RowsPerItem;
            int last = Math.Min(first + RowsPerItem, p.L);
            T[] buffer = ArrayPool<T>.Shared.Rent(p.SPrime + p.D);
            try
            {
                Span<T> row = buffer.AsSpan(0, p.SPrime);
                for (int h = 0; h < p.H; h++)
                {
                    for (int i = first; i < last; i++)
                    {
                        Weights(p, n, h, i, row, buffer.AsSpan(p.SPrime, p.D));
                        Attend(p, n, h, i, row);
                        if (p.Weights is not null) StoreWeights(p, n, h, i, row);
                    }
                }

                if (p.Weights is not null && p.AverageWeights)
                {
                    Span<T> block = p.Weights.AsSpan(((n * p.L) + first) * p.SPrime, (last - first) * p.SPrime);
                    TensorPrimitives.Divide(block, T.CreateChecked(p.H), block);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>
    /// The post-dropout weights of row (<paramref name="n"/>, <paramref name="h"/>, <paramref name="i"/>) of
    /// <paramref name="p"/> over all S′ keys, into <paramref name="row"/>; <paramref name="scratch"/> (d elements)
    /// holds the scaled query.
    /// </summary>
    public static void Weights(CoreProblem<T> p, int n, int h, int i, Span<T> row, Span<T> scratch)
    {
        int d = p.D, s = p.S;
        p.Query.AssertCovers(n, h, i, 1, d, "plain query row");
        p.Key.AssertCovers(n, h, 0, p.SPrime, d, "plain keys");
        ReadOnlySpan<T> query = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p.Query.At(n, h), i * p.Query.RowStride), d);
        ref T keys = ref p.Key.At(n, h);

        // The scale placed by the one rule every path follows (ScalePlacement): on q, or on each q·k.
        TensorPrimitives.Multiply(query, p.QueryScale, scratch);
        for (int c = 0; c < d; c++)
        {
            if (ScalePlacement<T>.LosesQuery(query[c], scratch[c])) p.NoteQueryLost();
        }

        for (int j = 0; j < row.Length; j++)
        {
            row[j] = p.Placement.Score(Dot(scratch, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref keys, j * p.Key.RowStride), d)));
        }

        Mask(p, n, h, i, row[..s]);
        Softmax(row);
        if (p.Dropout.IsActive) p.Dropout.Apply(ref MemoryMarshal.GetReference(row), 1, row.Length, p.DropoutIndex(n, h, i));
    }

    /// <summary>
    /// q·k as one chain of fused multiply-adds in feature order: the literal sum, with bits that no JIT tier,
    /// SIMD width or library version changes (a vectorised dot's order is the library's choice).
    /// </summary>
    private static T Dot(ReadOnlySpan<T> query, ReadOnlySpan<T> key)
    {
        T sum = T.Zero;
        for (int c = 0; c < query.Length; c++) sum = T.FusedMultiplyAdd(query[c], key[c], sum);
        return sum;
    }

    /// <summary>Row (n, h, i)'s first S scores through <see cref="RowRules{T, TVector, TSimd}.Mask"/> (the bias and zero columns are never masked).</summary>
    private static void Mask(CoreProblem<T> p, int n, int h, int i, Span<T> scores)
    {
        MaskValues<T>? attention = p.AttentionMask, padding = p.KeyPaddingMask;
        if (attention is null && padding is null && !p.IsCausal) return;
        var kinds = new MaskKinds(attention is not null, attention?.Assigns ?? false, padding is not null, padding?.Assigns ?? false);
        int s = scores.Length;
        ReadOnlySpan<T> attend = attention is null ? default
            : attention.Span.Slice(((attention.PerBatchHead ? (n * p.H) + h : 0) * p.L * s) + (i * s), s);
        ReadOnlySpan<T> pad = padding is null ? default : padding.Span.Slice(n * s, s);
        for (int j = 0; j < s; j++)
        {
            T above = p.IsCausal && j > i ? T.One : T.Zero;
            scores[j] = RowRules<T, T, ScalarSimd<T>>.Mask(
                scores[j], attend.IsEmpty ? T.Zero : attend[j], pad.IsEmpty ? T.Zero : pad[j], p.IsCausal, above, kinds);
        }
    }

    /// <summary>
    /// Stable softmax in place: exp(x − shift) with the rules' shift (the row max, 0 for a fully masked row),
    /// summed in order, times the rules' normaliser (0 for a row with no visible key). The exp is the engine's
    /// own (<see cref="VectorExp{T, TVector, TSimd}"/>, one lane), so the result does not depend on the JIT tier.
    /// </summary>
    public static void Softmax(Span<T> row)
    {
        if (row.IsEmpty) return;
        T shift = RowRules<T, T, ScalarSimd<T>>.SoftmaxShift(TensorPrimitives.Max<T>(row));
        T sum = T.Zero;
        for (int j = 0; j < row.Length; j++)
        {
            row[j] = VectorExp<T, T, ScalarSimd<T>>.ExpNonPositive(row[j] - shift);
            sum += row[j];
        }

        TensorPrimitives.Multiply(row, RowRules<T, T, ScalarSimd<T>>.Normalizer(sum), row);
    }

    /// <summary>Attended row (n, h, i) = Σ_j w_j · v_j by <see cref="RowRules{T, TVector, TSimd}.Accumulate"/>: a weight of exactly 0 adds nothing, whatever v_j holds.</summary>
    public static void Attend(CoreProblem<T> p, int n, int h, int i, ReadOnlySpan<T> weights)
    {
        int d = p.D;
        p.Value.AssertCovers(n, h, 0, p.SPrime, d, "plain values");
        p.Attended.AssertCovers(n, h, i, 1, d, "plain attended row");
        Span<T> destination = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref p.Attended.At(n, h), i * p.Attended.RowStride), d);
        ref T values = ref p.Value.At(n, h);
        destination.Clear();
        for (int j = 0; j < weights.Length; j++)
        {
            T weight = weights[j], zero = RowRules<T, T, ScalarSimd<T>>.ZeroWeights(weight);
            ReadOnlySpan<T> value = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref values, j * p.Value.RowStride), d);
            for (int c = 0; c < d; c++) destination[c] = RowRules<T, T, ScalarSimd<T>>.Accumulate(weight, value[c], destination[c], zero);
        }
    }

    /// <summary>Writes row (n, h, i)'s weights, or adds them into the (N, L, S′) head average (divided by H by the caller).</summary>
    public static void StoreWeights(CoreProblem<T> p, int n, int h, int i, ReadOnlySpan<T> row)
    {
        if (p.AverageWeights)
        {
            // The first head stores instead of adding (same bits): no read of the fresh array before it is written
            // (FlashCore's Tile says why that matters).
            Span<T> target = p.Weights.AsSpan(((n * p.L) + i) * p.SPrime, p.SPrime);
            if (h == 0) row.CopyTo(target);
            else TensorPrimitives.Add(target, row, target);
        }
        else
        {
            row.CopyTo(p.Weights.AsSpan(((((n * p.H) + h) * p.L) + i) * p.SPrime, p.SPrime));
        }
    }
}
