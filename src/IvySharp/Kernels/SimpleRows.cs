using System.Numerics;
using System.Numerics.Tensors;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>The per-row steps of the plain path: one query row of one head against all S′ key columns.</summary>
internal static class SimpleRows<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>row[j] = scale · q·k_j, then on the first S columns: + float masks, −∞ where causal or a bool mask masks out.</summary>
    public static void Scores(
        AttentionPlan plan, T[] q, T[] k, T[]? attentionMask, T[]? paddingMask, int n, int head, int i, Span<T> row)
    {
        int d = plan.D, sPrime = plan.SPrime, s = plan.S, nh = (n * plan.H) + head;
        ReadOnlySpan<T> query = q.AsSpan((((nh * plan.L) + i) * d), d);
        ReadOnlySpan<T> keys = k.AsSpan(nh * sPrime * d, sPrime * d);
        ScaledDots(T.CreateChecked(plan.Scale), query, keys, d, row[..sPrime]);

        // Floating masks are added; masked-out positions (causal, bool masks) are then assigned −∞, so a
        // NaN or +∞ score at a masked key cannot leak into the row.
        MaskPlan? attention = plan.IsCausal ? null : plan.AttentionMask;
        int attentionOffset = attention is null ? 0 : (attention.PerBatchHead ? nh * plan.L * s : 0) + (i * s);
        if (attention is { IsBool: false }) TensorPrimitives.Add(row[..s], attentionMask.AsSpan(attentionOffset, s), row[..s]);
        if (plan.KeyPaddingMask is { IsBool: false }) TensorPrimitives.Add(row[..s], paddingMask.AsSpan(n * s, s), row[..s]);

        if (plan.IsCausal)
        {
            // Top-left aligned: key j is visible to query i when j ≤ i. Bias/zero columns (j ≥ S) stay visible.
            for (int j = i + 1; j < s; j++) row[j] = T.NegativeInfinity;
        }

        if (attention is { IsBool: true }) MaskOut(row[..s], attentionMask.AsSpan(attentionOffset, s));
        if (plan.KeyPaddingMask is { IsBool: true }) MaskOut(row[..s], paddingMask.AsSpan(n * s, s));
    }

    /// <summary>
    /// row[j] = scale · (q · k_j) for the keys <paramref name="keys"/> (rows of <paramref name="d"/>), with the
    /// scale applied where it cannot make an intermediate larger: on q when |scale| ≤ 1 ((scale·q)·k, so
    /// scale 0 gives 0 even when q·k alone would overflow), on the dot product otherwise (so scale·q
    /// cannot overflow where the score is finite). The tiled engine places it the same way.
    /// </summary>
    public static void ScaledDots(T scale, ReadOnlySpan<T> query, ReadOnlySpan<T> keys, int d, Span<T> row)
    {
        if (T.Abs(scale) > T.One)
        {
            for (int j = 0; j < row.Length; j++) row[j] = scale * TensorPrimitives.Dot(query, keys.Slice(j * d, d));
            return;
        }

        T[]? rented = d > 256 ? System.Buffers.ArrayPool<T>.Shared.Rent(d) : null;
        Span<T> scaled = rented is null ? stackalloc T[d] : rented.AsSpan(0, d);
        TensorPrimitives.Multiply(query, scale, scaled);
        for (int j = 0; j < row.Length; j++) row[j] = TensorPrimitives.Dot(scaled, keys.Slice(j * d, d));
        if (rented is not null) System.Buffers.ArrayPool<T>.Shared.Return(rented);
    }

    // A bool mask arrives as 0 / −∞ per position; −∞ entries overwrite the score.
    private static void MaskOut(Span<T> row, ReadOnlySpan<T> mask)
    {
        for (int j = 0; j < row.Length; j++)
        {
            if (mask[j] != T.Zero) row[j] = T.NegativeInfinity;
        }
    }

    /// <summary>
    /// Stable softmax in place: subtract the row maximum, exponentiate, divide by the sum. A row whose
    /// every entry is −∞ (fully masked, or S′ = 0) becomes all zeros rather than NaN (contract §5).
    /// </summary>
    public static void Softmax(Span<T> row)
    {
        if (row.IsEmpty) return;
        T max = TensorPrimitives.Max<T>(row);
        if (T.IsNegativeInfinity(max))
        {
            row.Clear();
            return;
        }

        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        T sum = T.Zero;
        foreach (T x in row) sum += x;
        TensorPrimitives.Divide(row, sum, row);
    }

    /// <summary>Zeroes each weight with probability p (decided by <see cref="DropoutHash"/>) and scales survivors by 1/(1 − p).</summary>
    public static void Dropout(AttentionPlan plan, int n, int head, int i, Span<T> row)
    {
        double p = plan.Dropout;
        if (p <= 0) return;
        T keepScale = p >= 1 ? T.Zero : T.CreateChecked(1.0 / (1.0 - p));
        ulong first = (ulong)((((long)n * plan.H) + head) * plan.L + i) * (ulong)plan.SPrime;
        for (int j = 0; j < row.Length; j++)
        {
            row[j] = DropoutHash.Drop(plan.Seed, first + (ulong)j, p) ? T.Zero : row[j] * keepScale;
        }
    }

    /// <summary>destination = Σ_j row[j] · v_j over the head's S′ value rows; a weight of exactly 0 contributes nothing.</summary>
    public static void WeightedSum(AttentionPlan plan, T[] v, int n, int head, ReadOnlySpan<T> row, Span<T> destination)
    {
        int d = plan.D, sPrime = plan.SPrime;
        ReadOnlySpan<T> values = v.AsSpan((((n * plan.H) + head) * sPrime) * d, sPrime * d);
        destination.Clear();
        for (int j = 0; j < sPrime; j++)
        {
            // Skipping zero weights makes masked and dropped keys truly without influence, even
            // when their values hold NaN or ∞ (0 · NaN would otherwise poison the row).
            if (row[j] == T.Zero) continue;
            TensorPrimitives.MultiplyAdd(values.Slice(j * d, d), row[j], destination, destination);
        }
    }

    /// <summary>Writes the row's weights per head, or adds them into the (N, L, S′) average (divided by H afterwards).</summary>
    public static void StoreWeights(AttentionPlan plan, int n, int head, int i, ReadOnlySpan<T> row, T[] weights)
    {
        int sPrime = plan.SPrime;
        if (plan.AverageWeights)
        {
            Span<T> target = weights.AsSpan(((n * plan.L) + i) * sPrime, sPrime);
            TensorPrimitives.Add(target, row, target);
        }
        else
        {
            row.CopyTo(weights.AsSpan(((((n * plan.H) + head) * plan.L) + i) * sPrime, sPrime));
        }
    }
}
