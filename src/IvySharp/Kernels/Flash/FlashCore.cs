using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Internal;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The tiled attention core (flash-style online softmax) for one SIMD width and block height. A work
/// item is one (sample, head, block of query rows) — or, for the head-averaged weights, one (sample, block)
/// across all heads, so the sums over heads have a single owner and a fixed order — or, when there are
/// few rows and many keys, one chunk of keys of such a block, merged afterwards in chunk order. Tile and
/// chunk boundaries depend only on the shape, never on the thread count, so every thread count gives
/// the same bits. Weights, when returned, come from a second sweep of the scores with the final row
/// statistics (exact softmax), written straight into the returned layout.
/// </summary>
/// <remarks>
/// Sizes: a block is R registers of rows (R·W rows, W the lanes). A key tile has
/// <see cref="TileColumns"/> keys, chosen so the scores tile (keys × rows) fills 16 KiB, half of Zen 4's
/// 32 KiB L1d, next to the rows of qᵀ and outᵀ the micro-kernels stream; the K and V tiles (keys × d) and
/// qᵀ/outᵀ (d × rows) stay in the 1 MiB L2 for any d up to several hundred.
/// </remarks>
internal static class FlashCore<T, TVector, TSimd, TRows>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
    where TRows : IRowVectors
{
    private const int ScoresTileBytes = 16 * 1024;

    private enum Pass
    {
        Online,
        Statistics,
        Normalized,
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Value * TSimd.Count;
    }

    public static int TileColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Math.Clamp(ScoresTileBytes / (BlockRows * Unsafe.SizeOf<T>()) / 4 * 4, 16, 256);
    }

    /// <summary>The attention output and, when the call returns them, the weights.</summary>
    public static void Run(FlashProblem<T> p)
    {
        int br = BlockRows, bc = TileColumns, blocks = (p.L + br - 1) / br;
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, br, bc);
        long flopsPerBlock = 4L * br * p.SPrime * p.D;
        int chunkKeys = FlashSplit<T>.ChunkKeys(p.N * p.H * blocks, p.S, bc);
        int chunks = chunkKeys == 0 ? 1 : (p.S + chunkKeys - 1) / chunkKeys;
        if (chunks > 1)
        {
            FlashSplit<T>.Run(p, blocks, chunks, chunkKeys, br, (item, partial) =>
            {
                int chunk = item % chunks, block = item / chunks, qb = block % blocks, nh = block / blocks;
                using var ws = Workspace.Rent(p.D, br, bc);
                PackQuery(p, nh / p.H, nh % p.H, qb, ws);
                int first = chunk * chunkKeys, last = Math.Min(p.S, first + chunkKeys);
                Sweep(p, masks, nh / p.H, nh % p.H, qb, first, last, extras: chunk == chunks - 1, Pass.Online, ws);
                ws.RowMax.CopyTo(partial);
                ws.RowSum.CopyTo(partial[br..]);
                ws.OutT.CopyTo(partial[(2 * br)..]);
            });
            if (p.Weights is not null) WeightsOnly(p, masks);
            return;
        }

        // The weights reuse the online pass's row statistics: one more sweep of scores, no second P·V.
        // The output comes from the very same arithmetic as without weights, so its bits don't change.
        ForEachBlock(p, blocks, flopsPerBlock * (p.Weights is null ? 2 : 3) / 2, (n, h, qb, ws) =>
        {
            PackQuery(p, n, h, qb, ws);
            Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Online, ws);
            Finish(p, n, h, qb, ws);
            if (p.Weights is not null) WeightsSweep(p, masks, n, h, qb, ws);
        });
    }

    /// <summary>Only the weights, for calls whose output came from another route (the narrow core or the key split).</summary>
    public static void WeightsOnly(FlashProblem<T> p)
    {
        int br = BlockRows, bc = TileColumns;
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, br, bc);
        WeightsOnly(p, masks);
    }

    private static void WeightsOnly(FlashProblem<T> p, FlashMasks<T> masks)
    {
        int blocks = (p.L + BlockRows - 1) / BlockRows;
        ForEachBlock(p, blocks, 2L * BlockRows * p.SPrime * p.D, (n, h, qb, ws) =>
        {
            PackQuery(p, n, h, qb, ws);
            Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Statistics, ws);
            WeightsSweep(p, masks, n, h, qb, ws);
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every (sample, head, block). With head-averaged weights one item owns
    /// a (sample, block) across all heads, adds them in head order and divides by H: race-free and deterministic.
    /// </summary>
    private static void ForEachBlock(FlashProblem<T> p, int blocks, long flopsPerBlock, Action<int, int, int, Workspace> body)
    {
        bool average = p.Weights is not null && p.AverageWeights;
        int items = p.N * (average ? 1 : p.H) * blocks;
        ParallelPolicy.For(items, flopsPerBlock * (average ? p.H : 1), item =>
        {
            int qb = item % blocks, rest = item / blocks;
            using var ws = Workspace.Rent(p.D, BlockRows, TileColumns);
            if (!average)
            {
                body(rest / p.H, rest % p.H, qb, ws);
                return;
            }

            for (int h = 0; h < p.H; h++) body(rest, h, qb, ws);
            AverageRows(p, rest, qb);
        });
    }

    /// <summary>The exact weights exp(s − m)/l of a block from its finished row statistics, written in the returned layout.</summary>
    private static void WeightsSweep(FlashProblem<T> p, FlashMasks<T> masks, int n, int h, int qb, Workspace ws)
    {
        for (int r = 0; r < BlockRows; r++) ws.InverseSum[r] = ws.RowSum[r] == T.Zero ? T.Zero : T.One / ws.RowSum[r];
        Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Normalized, ws);
    }

    private static void PackQuery(FlashProblem<T> p, int n, int h, int qb, Workspace ws)
    {
        int first = qb * BlockRows, rows = Math.Min(BlockRows, p.L - first);
        ref T query = ref Unsafe.Add(ref p.Query.At(n, h), first * p.Query.RowStride);
        FlashTiles<T, TVector, TSimd, TRows>.PackQueryTransposed(ref query, p.Query.RowStride, rows, p.D, p.Scale, ws.QueryT);
    }

    /// <summary>One pass over the key tiles [first, last) (cut at the diagonal when causal, masked tiles skipped), then the extra columns.</summary>
    private static void Sweep(FlashProblem<T> p, FlashMasks<T> masks, int n, int h, int qb, int first, int last, bool extras, Pass pass, Workspace ws)
    {
        int br = BlockRows, bc = TileColumns, i0 = qb * br, rows = Math.Min(br, p.L - i0);
        if (pass != Pass.Normalized)
        {
            ws.RowMax.Fill(T.NegativeInfinity);
            ws.RowSum.Clear();
            ws.OutT.Clear();
        }

        int limit = p.IsCausal ? Math.Min(last, i0 + rows) : last;
        var tile = default(TileMasks<T>);
        tile.Causal = p.IsCausal;
        tile.FirstRow = i0;
        tile.AttentionStride = masks.PaddedRows;
        tile.AttentionAssigns = masks.AttentionIsBool;
        tile.PaddingAssigns = masks.PaddingIsBool;
        for (int j0 = first; j0 < limit; j0 += bc)
        {
            if (masks.IsTileMasked(n, h, p.H, qb, j0 / bc)) continue;
            tile.FirstKey = j0;
            tile.Attention = ref masks.Attention is { } a ? ref a[masks.AttentionOffset(n, h, p.H) + (j0 * masks.PaddedRows) + i0] : ref Unsafe.NullRef<T>();
            tile.Padding = ref masks.Padding is { } pad ? ref pad[(n * p.S) + j0] : ref Unsafe.NullRef<T>();
            Tile(p, n, h, i0, rows, j0, Math.Min(bc, limit - j0), tile, pass, ws);
        }

        if (extras && p.SPrime > p.S)
        {
            var free = default(TileMasks<T>);
            free.Attention = ref Unsafe.NullRef<T>();
            free.Padding = ref Unsafe.NullRef<T>();
            Tile(p, n, h, i0, rows, p.S, p.SPrime - p.S, free, pass, ws);
        }
    }

    private static void Tile(FlashProblem<T> p, int n, int h, int i0, int rows, int j0, int columns, scoped in TileMasks<T> tile, Pass pass, Workspace ws)
    {
        ref T scores = ref MemoryMarshal.GetReference(ws.Scores);
        ref T keys = ref Unsafe.Add(ref p.Key.At(n, h), j0 * p.Key.RowStride);
        FlashTiles<T, TVector, TSimd, TRows>.Scores(ref MemoryMarshal.GetReference(ws.QueryT), p.D, ref keys, p.Key.RowStride, columns, ref scores);
        if (pass == Pass.Normalized)
        {
            FlashSoftmax<T, TVector, TSimd, TRows>.Normalized(ref scores, columns, tile, ref MemoryMarshal.GetReference(ws.RowMax), ref MemoryMarshal.GetReference(ws.InverseSum));
            if (p.Dropout > 0) Dropout(p, n, h, i0, rows, j0, columns, ref scores);
            bool average = p.AverageWeights;
            int offset = (average ? ((n * p.L) + i0) : ((((n * p.H) + h) * p.L) + i0)) * p.SPrime;
            FlashSoftmax<T, TVector, TSimd, TRows>.StoreWeights(ref scores, columns, rows, p.Weights, offset + j0, p.SPrime, add: average);
            return;
        }

        bool zeros = FlashSoftmax<T, TVector, TSimd, TRows>.Online(ref scores, columns, tile, ref MemoryMarshal.GetReference(ws.RowMax), ref MemoryMarshal.GetReference(ws.RowSum), ref MemoryMarshal.GetReference(ws.Rescale));
        if (pass == Pass.Statistics) return;
        if (p.Dropout > 0) Dropout(p, n, h, i0, rows, j0, columns, ref scores);

        // A zero weight (masked, dropped, underflowed) must leave its lane untouched even against a NaN or
        // ∞ value, as the plain path skips it. With finite values 0·v adds nothing anyway and the plain FMA
        // gives the same bits, so only a tile with both a zero weight and a non-finite value (a cheap scan)
        // takes the slower guarded P·V.
        ref T values = ref Unsafe.Add(ref p.Value.At(n, h), j0 * p.Value.RowStride);
        ref T outT = ref MemoryMarshal.GetReference(ws.OutT);
        ref T rescale = ref MemoryMarshal.GetReference(ws.Rescale);
        if ((zeros || p.Dropout > 0) && !FlashTiles<T, TVector, TSimd, TRows>.AllFinite(ref values, p.Value.RowStride, columns, p.D))
        {
            FlashTiles<T, TVector, TSimd, TRows>.AccumulateValues<ZeroGuarded>(ref scores, columns, ref values, p.Value.RowStride, p.D, ref outT, ref rescale);
        }
        else
        {
            FlashTiles<T, TVector, TSimd, TRows>.AccumulateValues<Unguarded>(ref scores, columns, ref values, p.Value.RowStride, p.D, ref outT, ref rescale);
        }
    }

    private static void Dropout(FlashProblem<T> p, int n, int h, int i0, int rows, int j0, int columns, ref T scores) =>
        FlashSoftmax<T, TVector, TSimd, TRows>.Dropout(ref scores, columns, rows, p.Dropout, p.Seed, p.DropoutIndex(n, h, i0), (ulong)p.SPrime, j0);

    /// <summary>Writes the block's rows of this head into the attended output: outᵀ / l; fully masked rows give 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Finish(FlashProblem<T> p, int n, int h, int qb, Workspace ws)
    {
        int br = BlockRows, i0 = qb * br, rows = Math.Min(br, p.L - i0), d = p.D;
        ref T row = ref Unsafe.Add(ref p.Attended.At(n, h), i0 * p.Attended.RowStride);
        ref T outT = ref MemoryMarshal.GetReference(ws.OutT);
        ReadOnlySpan<T> sums = ws.RowSum;
        for (int r = 0; r < rows; r++, row = ref Unsafe.Add(ref row, p.Attended.RowStride))
        {
            T sum = sums[r];
            if (sum == T.Zero)
            {
                MemoryMarshal.CreateSpan(ref row, d).Clear();
                continue;
            }

            T factor = T.One / sum;
            ref T column = ref Unsafe.Add(ref outT, r);
            for (int c = 0; c < d; c++) Unsafe.Add(ref row, c) = Unsafe.Add(ref column, c * br) * factor;
        }
    }

    private static void AverageRows(FlashProblem<T> p, int n, int qb)
    {
        int i0 = qb * BlockRows, rows = Math.Min(BlockRows, p.L - i0);
        T heads = T.CreateChecked(p.H);
        Span<T> block = p.Weights.AsSpan(((n * p.L) + i0) * p.SPrime, rows * p.SPrime);
        System.Numerics.Tensors.TensorPrimitives.Divide(block, heads, block);
    }

    /// <summary>A work item's scratch: qᵀ, outᵀ, the scores tile and the row statistics, from one pooled array.</summary>
    /// <summary>
    /// A work item's scratch: qᵀ, outᵀ, the scores tile and the row statistics in one array. Each thread
    /// keeps its last one for the next item (an item is tens of microseconds; renting from the shared
    /// pool each time showed in profiles of short sequences).
    /// </summary>
    private sealed class Workspace : IDisposable
    {
        [ThreadStatic]
        private static Workspace? t_spare;

        private T[] _buffer = [];
        private int _depth, _rows, _columns;

        public static Workspace Rent(int depth, int rows, int columns)
        {
            Workspace ws = t_spare ?? new Workspace();
            t_spare = null;
            int size = (2 * depth * rows) + (columns * rows) + (4 * rows);
            if (ws._buffer.Length < size) ws._buffer = new T[size];
            (ws._depth, ws._rows, ws._columns) = (depth, rows, columns);
            return ws;
        }

        public Span<T> QueryT => _buffer.AsSpan(0, _depth * _rows);
        public Span<T> OutT => _buffer.AsSpan(_depth * _rows, _depth * _rows);
        public Span<T> Scores => _buffer.AsSpan(2 * _depth * _rows, _columns * _rows);
        public Span<T> RowMax => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows), _rows);
        public Span<T> RowSum => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + _rows, _rows);
        public Span<T> Rescale => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + (2 * _rows), _rows);
        public Span<T> InverseSum => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + (3 * _rows), _rows);

        public void Dispose() => t_spare = this;
    }
}
