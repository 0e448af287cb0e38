using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Internal;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// Recomputes the query rows the core marked inexact (<see cref="FlashProblem{T}.InexactScores"/> and <see cref="FlashProblem{T}.InexactValues"/>, see
/// <see cref="FlashGuards{T}"/>) in the contract's literal order, as the plain path does: the scaled dot
/// products over all S′ keys, floating masks added, −∞ assigned where causal or a boolean mask masks out, a stable
/// softmax (a fully masked row is 0), dropout by the same hash, and Σ w·v skipping weights of exactly 0.
/// Reads the core's own q, k and v buffers and writes the attended rows and weights in place, so the
/// output projection that follows is the same for every row. Runs only when some row was marked.
/// </summary>
internal static class FlashRepair<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Run(FlashProblem<T> p)
    {
        bool[]? scores = p.InexactScores, values = p.InexactValues;
        if (scores is null && values is null) return;
        bool Scores(int row) => scores is not null && scores[row];
        bool Marked(int row) => Scores(row) || (values is not null && values[row]);

        // Items: one marked (n, h, i), or with head-averaged weights and a marked score, the (n, i) average over
        // every head (recomputed whole, its marked heads' attended rows with it).
        bool average = p.Weights is not null && p.AverageWeights;
        var heads = new List<int>();
        var averages = new List<int>();
        for (int n = 0; n < p.N; n++)
        {
            for (int i = 0; i < p.L; i++)
            {
                int first = (n * p.H * p.L) + i;
                if (average && Enumerable.Range(0, p.H).Any(h => Scores(first + (h * p.L))))
                {
                    averages.Add((n * p.L) + i);
                    continue;
                }

                for (int h = 0; h < p.H; h++)
                {
                    if (Marked(first + (h * p.L))) heads.Add(first + (h * p.L));
                }
            }
        }

        // Masks converted with one-row blocks: the attention mask's value (n, h, i, j) sits at offset + j·L + i.
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, 1, 16);
        ParallelPolicy.For(heads.Count + averages.Count, 4L * p.SPrime * p.D * (averages.Count > 0 ? p.H : 1), k =>
        {
            T[] buffer = ArrayPool<T>.Shared.Rent(p.SPrime);
            try
            {
                Span<T> row = buffer.AsSpan(0, p.SPrime);
                if (k < heads.Count)
                {
                    int item = heads[k], i = item % p.L, nh = item / p.L;
                    Weights(p, masks, nh / p.H, nh % p.H, i, row);
                    Attend(p, nh / p.H, nh % p.H, i, row);

                    // A row marked for its values only keeps the core's weights (they are exact).
                    if (Scores(item) && p.Weights is not null && !average) row.CopyTo(p.Weights.AsSpan(item * p.SPrime, p.SPrime));
                    return;
                }

                int averaged = averages[k - heads.Count], sample = averaged / p.L, query = averaged % p.L;
                Span<T> target = p.Weights.AsSpan(averaged * p.SPrime, p.SPrime);
                target.Clear();
                for (int h = 0; h < p.H; h++)
                {
                    Weights(p, masks, sample, h, query, row);
                    if (Marked((((sample * p.H) + h) * p.L) + query)) Attend(p, sample, h, query, row);
                    TensorPrimitives.Add(target, row, target);
                }

                TensorPrimitives.Divide(target, T.CreateChecked(p.H), target);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>The post-dropout weights of row (n, h, i) over all S′ keys.</summary>
    private static void Weights(FlashProblem<T> p, FlashMasks<T> masks, int n, int h, int i, Span<T> row)
    {
        int d = p.D, s = p.S;
        p.Query.AssertCovers(n, h, i, 1, d, "repaired query row");
        p.Key.AssertCovers(n, h, 0, p.SPrime, d, "repaired keys");
        ReadOnlySpan<T> query = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p.Query.At(n, h), i * p.Query.RowStride), d);
        ref T keys = ref p.Key.At(n, h);

        // The scale placed as everywhere else (SimpleRows.ScaledDots): on q when |scale| ≤ 1, else on q·k.
        T[] scaled = ArrayPool<T>.Shared.Rent(d);
        TensorPrimitives.Multiply(query, p.QueryScale, scaled.AsSpan(0, d));
        for (int j = 0; j < row.Length; j++)
        {
            T dot = TensorPrimitives.Dot(scaled.AsSpan(0, d), MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref keys, j * p.Key.RowStride), d));
            row[j] = p.ScalesScores ? p.Scale * dot : dot;
        }

        ArrayPool<T>.Shared.Return(scaled);

        // The plain path's order: floating masks added, then −∞ assigned (causal, boolean masks).
        int attention = masks.Attention is null ? 0 : masks.AttentionOffset(n, h, p.H) + i;
        for (int j = 0; j < s; j++)
        {
            T attend = masks.Attention is { } a ? a[attention + (j * masks.PaddedRows)] : T.Zero;
            T pad = masks.Padding is { } m ? m[(n * s) + j] : T.Zero;
            if (masks.Attention is not null && !masks.AttentionIsBool) row[j] += attend;
            if (masks.Padding is not null && !masks.PaddingIsBool) row[j] += pad;
            if (p.IsCausal && j > i) row[j] = T.NegativeInfinity;
            if ((masks.AttentionIsBool && T.IsNegativeInfinity(attend)) || (masks.PaddingIsBool && T.IsNegativeInfinity(pad))) row[j] = T.NegativeInfinity;
        }

        SimpleRows<T>.Softmax(row);
        if (p.Dropout <= 0) return;
        T keep = p.Dropout >= 1 ? T.Zero : T.CreateChecked(1.0 / (1.0 - p.Dropout));
        ulong index = p.DropoutIndex(n, h, i);
        for (int j = 0; j < row.Length; j++) row[j] = DropoutHash.Drop(p.Seed, index + (ulong)j, p.Dropout) ? T.Zero : row[j] * keep;
    }

    /// <summary>Attended row (n, h, i) = Σ_j w_j · v_j; a weight of exactly 0 contributes nothing, whatever v_j holds.</summary>
    private static void Attend(FlashProblem<T> p, int n, int h, int i, ReadOnlySpan<T> weights)
    {
        int d = p.D;
        p.Value.AssertCovers(n, h, 0, p.SPrime, d, "repaired values");
        p.Attended.AssertCovers(n, h, i, 1, d, "repaired attended row");
        Span<T> destination = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref p.Attended.At(n, h), i * p.Attended.RowStride), d);
        ref T values = ref p.Value.At(n, h);
        destination.Clear();
        for (int j = 0; j < weights.Length; j++)
        {
            if (weights[j] == T.Zero) continue;
            TensorPrimitives.MultiplyAdd(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref values, j * p.Value.RowStride), d), weights[j], destination, destination);
        }
    }
}
