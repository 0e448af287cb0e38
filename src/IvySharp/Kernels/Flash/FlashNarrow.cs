using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Internal;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The core for very short queries (decode: L = 1 against tens of thousands of keys), where putting the
/// query rows in the lanes would leave most lanes idle. Here the head width is in the lanes: each score
/// is a vector dot product q·k_j reduced across lanes, the online softmax runs along the key row, and
/// out += p_j · v_j is a vector FMA per key. One query row per item, split over key chunks as in
/// <see cref="FlashSplit{T}"/>; the same shape always gives the same items, so bits don't depend on
/// the thread count. Weights, when returned, come from the wide core's weights sweep afterwards.
/// </summary>
internal static class FlashNarrow<T, TVector, TSimd>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    /// <summary>Keys per tile: one row of scores, a few KiB, stays in L1 next to the K and V rows it streams.</summary>
    private const int TileColumns = 256;

    /// <summary>Worth it when a lane block would be at most a quarter full and whole registers cover d.</summary>
    public static bool Applies(CoreProblem<T> p) =>
        TSimd.Count > 1 && p.L * 4 <= TSimd.Count && p.D % TSimd.Count == 0;

    public static void Run(CoreProblem<T> p)
    {
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, 1, TileColumns);
        int rows = p.N * p.H * p.L;
        int chunkKeys = FlashSplit<T>.ChunkKeys(rows, p.S, TileColumns);
        int chunks = chunkKeys == 0 ? 1 : (p.S + chunkKeys - 1) / chunkKeys;
        if (chunks == 1)
        {
            ParallelPolicy.For(rows, 4L * p.SPrime * p.D, item =>
            {
                using var ws = new Workspace(p.D);
                Row(p, masks, item, 0, p.S, extras: true, ws);
                p.Attended.AssertCovers(item / p.L / p.H, item / p.L % p.H, item % p.L, 1, p.D, "attended row");
                ref T output = ref Unsafe.Add(ref p.Attended.At(item / p.L / p.H, item / p.L % p.H), item % p.L * p.Attended.RowStride);
                T factor = RowRules<T, T, ScalarSimd<T>>.Normalizer(ws.Sum);
                for (int c = 0; c < p.D; c++) Unsafe.Add(ref output, c) = ws.Sum == T.Zero ? T.Zero : ws.Out[c] * factor;
                FlashGuards<T>.CheckSum(p, item / p.L / p.H, item / p.L % p.H, item % p.L, ws.Sum);
                if (!FlashTiles<T, TVector, TSimd, OneRowVector>.AllFinite(ref output, p.D))
                {
                    p.MarkInexactValues(item / p.L / p.H, item / p.L % p.H, item % p.L);
                }
            });
            return;
        }

        FlashSplit<T>.Run(p, p.L, chunks, chunkKeys, 1, (item, partial) =>
        {
            using var ws = new Workspace(p.D);
            int chunk = item % chunks, first = chunk * chunkKeys;
            Row(p, masks, item / chunks, first, Math.Min(p.S, first + chunkKeys), extras: chunk == chunks - 1, ws);
            partial[0] = ws.Max;
            partial[1] = ws.Sum;
            ws.Out.CopyTo(partial[2..]);
        });
    }

    /// <summary>Row <paramref name="row"/> = (n·H + h)·L + i against keys [first, last) (cut at the diagonal when causal), then the extra columns.</summary>
    private static void Row(CoreProblem<T> p, FlashMasks<T> masks, int row, int first, int last, bool extras, Workspace ws)
    {
        int i = row % p.L, nh = row / p.L, n = nh / p.H, h = nh % p.H;
        ws.Max = T.NegativeInfinity;
        ws.Sum = T.Zero;
        ws.Out.Clear();

        p.Query.AssertCovers(n, h, i, 1, p.D, "query row");

        // The scale rides on q (ScalePlacement, as every path) unless it exceeds 1.
        ref T query = ref Unsafe.Add(ref p.Query.At(n, h), i * p.Query.RowStride);
        bool lost = false;
        for (int c = 0; c < p.D; c++)
        {
            T q = Unsafe.Add(ref query, c);
            ws.Query[c] = p.QueryScale * q;
            lost |= ScalePlacement<T>.LosesQuery(q, ws.Query[c]);
        }

        if (lost) p.NoteQueryLost();
        double queryMagnitude = FlashGuards<T>.CheckQueries(p, n, h, i, 1, ws.Query, 1);
        int limit = p.IsCausal ? Math.Min(last, i + 1) : last;
        for (int j0 = first; j0 < limit; j0 += TileColumns)
        {
            int columns = Math.Min(TileColumns, limit - j0);
            TileMasking masking = masks.MaskingOf(n, h, p.H, i, j0 / TileColumns);
            if (masking != TileMasking.Visible && FlashGuards<T>.MaySkip(
                masking, masks, queryMagnitude, n, h, j0 / TileColumns, ref Unsafe.Add(ref p.Key.At(n, h), j0 * p.Key.RowStride), p.Key.RowStride, Math.Min(TileColumns, p.S - j0), p.D))
            {
                continue;
            }

            Tile(p, masks, n, h, i, j0, columns, masked: true, ws);
        }

        if (extras && p.SPrime > p.S) Tile(p, masks, n, h, i, p.S, p.SPrime - p.S, masked: false, ws);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(CoreProblem<T> p, FlashMasks<T> masks, int n, int h, int i, int j0, int columns, bool masked, Workspace ws)
    {
        int w = TSimd.Count, d = p.D;
        p.Key.AssertCovers(n, h, j0, columns, d, "key tile");
        p.Value.AssertCovers(n, h, j0, columns, d, "value tile");
        Debug.Assert(d % w == 0 && columns <= TileColumns, "the narrow core needs whole registers of d and at most a tile of keys");
        Span<T> scores = ws.Scores;
        ref T q = ref MemoryMarshal.GetReference(ws.Query);
        ref T keys = ref Unsafe.Add(ref p.Key.At(n, h), j0 * p.Key.RowStride);
        nint keyStride = p.Key.RowStride;
        T tileMax = T.NegativeInfinity;
        int j = 0;
        for (; j + 2 <= columns; j += 2)
        {
            ref T k0 = ref Unsafe.Add(ref keys, j * keyStride);
            ref T k1 = ref Unsafe.Add(ref k0, keyStride);
            TVector a = TSimd.Zero, b = TSimd.Zero;
            for (int c = 0; c < d; c += w)
            {
                TVector qc = TSimd.Load(ref q, c);
                a = TSimd.MultiplyAdd(qc, TSimd.Load(ref k0, c), a);
                b = TSimd.MultiplyAdd(qc, TSimd.Load(ref k1, c), b);
            }

            scores[j] = TSimd.Sum(a);
            scores[j + 1] = TSimd.Sum(b);
        }

        if (j < columns)
        {
            ref T k0 = ref Unsafe.Add(ref keys, j * keyStride);
            TVector a = TSimd.Zero;
            for (int c = 0; c < d; c += w) a = TSimd.MultiplyAdd(TSimd.Load(ref q, c), TSimd.Load(ref k0, c), a);
            scores[j] = TSimd.Sum(a);
        }

        ReadOnlySpan<T> attention = masked && masks.Attention is { } am ? am.AsSpan(masks.AttentionOffset(n, h, p.H)) : default;
        ReadOnlySpan<T> padding = masked && masks.Padding is { } pm ? pm.AsSpan((n * p.S) + j0, columns) : default;
        var kinds = new MaskKinds(!attention.IsEmpty, masks.AttentionIsBool, !padding.IsEmpty, masks.PaddingIsBool);
        bool scalesScores = p.ScalesScores;
        T scale = p.Scale;
        for (j = 0; j < columns; j++)
        {
            // As every path: the scale (when not on q), then the masks (RowRules.Mask; causal keys were cut before).
            if (scalesScores) scores[j] *= scale;
            T attend = attention.IsEmpty ? T.Zero : attention[((j0 + j) * masks.PaddedRows) + i];
            T pad = padding.IsEmpty ? T.Zero : padding[j];
            if (kinds.Any) scores[j] = RowRules<T, T, ScalarSimd<T>>.Mask(scores[j], attend, pad, causal: false, T.Zero, kinds);
            if (scores[j] > tileMax) tileMax = scores[j];
        }

        // Online softmax along the row, with the −∞ guard (a masked-so-far row shifts by 0, not by −∞).
        T newMax = T.Max(ws.Max, tileMax);
        T shift = RowRules<T, T, ScalarSimd<T>>.SoftmaxShift(newMax);
        T alpha = T.Exp(ws.Max - shift);
        int padded = (columns + w - 1) / w * w;
        scores[columns..padded].Fill(T.NegativeInfinity);
        TVector sum = TSimd.Zero, shiftV = TSimd.Splat(shift);
        ref T s = ref MemoryMarshal.GetReference(scores);
        for (j = 0; j < padded; j += w)
        {
            TVector e = VectorExp<T, TVector, TSimd>.ExpNonPositive(TSimd.Subtract(TSimd.Load(ref s, j), shiftV));
            TSimd.Store(e, ref s, j);
            sum = TSimd.Add(sum, e);
        }

        ws.Sum = (ws.Sum * alpha) + TSimd.Sum(sum);
        ws.Max = newMax;
        if (p.Dropout.IsActive) p.Dropout.Apply(ref s, 1, columns, p.DropoutIndex(n, h, i) + (ulong)j0);

        AccumulateValues(ref s, columns, ref Unsafe.Add(ref p.Value.At(n, h), j0 * p.Value.RowStride), p.Value.RowStride, d, ws.Out, alpha);
    }

    /// <summary>out = out · alpha + Σⱼ p_j · v_j, four registers of features at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateValues(ref T probabilities, int columns, ref T values, nint valueStride, int depth, Span<T> output, T alpha)
    {
        int w = TSimd.Count;
        TVector alphaV = TSimd.Splat(alpha);
        ref T o = ref MemoryMarshal.GetReference(output);
        for (int c0 = 0; c0 < depth; c0 += 4 * w)
        {
            int count = Math.Min(4, (depth - c0) / w);
            TVector a0 = TSimd.Multiply(TSimd.Load(ref o, c0), alphaV);
            TVector a1 = count > 1 ? TSimd.Multiply(TSimd.Load(ref o, c0 + w), alphaV) : default;
            TVector a2 = count > 2 ? TSimd.Multiply(TSimd.Load(ref o, c0 + (2 * w)), alphaV) : default;
            TVector a3 = count > 3 ? TSimd.Multiply(TSimd.Load(ref o, c0 + (3 * w)), alphaV) : default;
            ref T v = ref Unsafe.Add(ref values, c0);
            for (int j = 0; j < columns; j++, v = ref Unsafe.Add(ref v, valueStride))
            {
                // The zero-weight rule (RowRules.Accumulate) with one test per key: the weight is the same in
                // every lane, so a zero weight (masked, dropped, underflowed) skips the key, whatever v holds.
                T weight = Unsafe.Add(ref probabilities, j);
                if (RowRules<T, T, ScalarSimd<T>>.ZeroWeights(weight) != T.Zero) continue;
                TVector pj = TSimd.Splat(weight);
                a0 = TSimd.MultiplyAdd(pj, TSimd.Load(ref v, 0), a0);
                if (count > 1) a1 = TSimd.MultiplyAdd(pj, TSimd.Load(ref v, w), a1);
                if (count > 2) a2 = TSimd.MultiplyAdd(pj, TSimd.Load(ref v, 2 * w), a2);
                if (count > 3) a3 = TSimd.MultiplyAdd(pj, TSimd.Load(ref v, 3 * w), a3);
            }

            TSimd.Store(a0, ref o, c0);
            if (count > 1) TSimd.Store(a1, ref o, c0 + w);
            if (count > 2) TSimd.Store(a2, ref o, c0 + (2 * w));
            if (count > 3) TSimd.Store(a3, ref o, c0 + (3 * w));
        }
    }

    private sealed class Workspace : IDisposable
    {
        private readonly T[] _buffer;
        private readonly int _depth;

        public Workspace(int depth)
        {
            _depth = depth;
            _buffer = ArrayPool<T>.Shared.Rent((2 * depth) + TileColumns + TSimd.Count);
        }

        public T Max { get; set; }
        public T Sum { get; set; }
        public Span<T> Out => _buffer.AsSpan(0, _depth);
        public Span<T> Query => _buffer.AsSpan(_depth, _depth);
        public Span<T> Scores => _buffer.AsSpan(2 * _depth, TileColumns + TSimd.Count);

        public void Dispose() => ArrayPool<T>.Shared.Return(_buffer);
    }
}
