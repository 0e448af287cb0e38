using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>The core's passes over key tiles for one or two blocks, the write-back, and the per-thread workspace.</summary>
internal static partial class FlashCore<T, TVector, TSimd, TRows>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
    where TRows : ICount
{
    private static void PackQuery(CoreProblem<T> p, int n, int h, int qb, Workspace ws)
    {
        int first = qb * BlockRows, rows = Math.Min(BlockRows, p.L - first);
        p.Query.AssertCovers(n, h, first, rows, p.D, "query block");
        Debug.Assert(ws.QueryT.Length >= p.D * BlockRows, "qᵀ workspace smaller than d × block rows");
        ref T query = ref Unsafe.Add(ref p.Query.At(n, h), first * p.Query.RowStride);
        double magnitude = FlashTiles<T, TVector, TSimd, TRows>.PackQueryTransposed(ref query, p.Query.RowStride, rows, p.D, p.QueryScale, ws.QueryT, out bool lost);
        if (lost) p.NoteQueryLost();

        // NaN or ±∞ in scale·q (an input's, or an overflow of the product) is outside the exact range.
        ws.QueryMagnitude = FlashGuards<T>.CheckQueries(p, n, h, first, rows, ws.QueryT, BlockRows, magnitude);
    }

    /// <summary>One pass over the key tiles [first, last) (cut at the diagonal when causal, masked tiles skipped), then the extra columns.</summary>
    private static void Sweep(CoreProblem<T> p, FlashMasks<T> masks, int n, int h, int qb, int first, int last, bool extras, Pass pass, Workspace ws) =>
        Sweep(p, masks, n, h, qb, first, last, extras, pass, [ws]);

    /// <summary>
    /// The same pass for consecutive blocks qb, qb + 1, … (one workspace each), tile by tile: a K/V tile is
    /// read from memory once and reused from cache by the next block. Each block sees the same tiles in
    /// the same order as alone, so its bits are the same.
    /// </summary>
    private static void Sweep(CoreProblem<T> p, FlashMasks<T> masks, int n, int h, int qb, int first, int last, bool extras, Pass pass, ReadOnlySpan<Workspace> blocks)
    {
        int br = BlockRows, bc = TileColumns, end = first;
        if (pass != Pass.Normalized)
        {
            foreach (Workspace ws in blocks)
            {
                ws.RowMax.Fill(T.NegativeInfinity);
                ws.RowSum.Clear();
                ws.OutT.Clear();
            }
        }

        for (int b = 0; b < blocks.Length; b++) end = Math.Max(end, Limit(p, qb + b, last));
        var tile = default(TileMasks<T>);
        tile.Causal = p.IsCausal;
        tile.ScalesScores = p.ScalesScores;
        tile.Scale = p.Scale;
        tile.AttentionStride = masks.PaddedRows;
        tile.AttentionAssigns = masks.AttentionIsBool;
        tile.PaddingAssigns = masks.PaddingIsBool;
        for (int j0 = first; j0 < end; j0 += bc)
        {
            for (int b = 0; b < blocks.Length; b++)
            {
                int limit = Limit(p, qb + b, last), i0 = (qb + b) * br;
                if (j0 >= limit) continue;
                TileMasking masking = masks.MaskingOf(n, h, p.H, qb + b, j0 / bc);
                if (masking != TileMasking.Visible && FlashGuards<T>.MaySkip(
                    masking, masks, blocks[b].QueryMagnitude, n, h, j0 / bc, ref Unsafe.Add(ref p.Key.At(n, h), j0 * p.Key.RowStride), p.Key.RowStride, Math.Min(bc, p.S - j0), p.D))
                {
                    continue;
                }

                AssertMaskTile(p, masks, n, h, i0, j0, Math.Min(bc, limit - j0));
                tile.FirstRow = i0;
                tile.FirstKey = j0;
                tile.Attention = ref masks.Attention is { } a ? ref a[masks.AttentionOffset(n, h, p.H) + (j0 * masks.PaddedRows) + i0] : ref Unsafe.NullRef<T>();
                tile.Padding = ref masks.Padding is { } pad ? ref pad[(n * p.S) + j0] : ref Unsafe.NullRef<T>();
                Tile(p, n, h, i0, Math.Min(br, p.L - i0), j0, Math.Min(bc, limit - j0), tile, pass, blocks[b]);
            }
        }

        if (extras && p.SPrime > p.S)
        {
            var free = default(TileMasks<T>);
            free.Attention = ref Unsafe.NullRef<T>();
            free.Padding = ref Unsafe.NullRef<T>();
            free.ScalesScores = p.ScalesScores;
            free.Scale = p.Scale;
            for (int b = 0; b < blocks.Length; b++)
            {
                int i0 = (qb + b) * br;
                Tile(p, n, h, i0, Math.Min(br, p.L - i0), p.S, p.SPrime - p.S, free, pass, blocks[b]);
            }
        }
    }

    /// <summary>End of the keys block <paramref name="qb"/> reads in [·, last): cut after its last row when causal.</summary>
    private static int Limit(CoreProblem<T> p, int qb, int last) =>
        p.IsCausal ? Math.Min(last, Math.Min(p.L, (qb + 1) * BlockRows)) : last;

    /// <summary>Debug builds: the mask values a tile reads through <see cref="TileMasks{T}"/> lie inside the converted masks.</summary>
    [Conditional("DEBUG")]
    private static void AssertMaskTile(CoreProblem<T> p, FlashMasks<T> masks, int n, int h, int i0, int j0, int columns)
    {
        if (masks.Attention is { } a)
        {
            long last = masks.AttentionOffset(n, h, p.H) + ((long)(j0 + columns - 1) * masks.PaddedRows) + i0 + BlockRows - 1;
            Debug.Assert(i0 + BlockRows <= masks.PaddedRows && last < a.Length, $"attention mask tile ends at {last}, mask holds {a.Length}");
        }

        Debug.Assert(masks.Padding is null || ((long)n * p.S) + j0 + columns <= masks.Padding.Length, "key padding tile outside the mask");
    }

    private static void Tile(CoreProblem<T> p, int n, int h, int i0, int rows, int j0, int columns, scoped in TileMasks<T> tile, Pass pass, Workspace ws)
    {
        // The kernels below run on unchecked references: the Debug build checks what they will touch.
        p.Key.AssertCovers(n, h, j0, columns, p.D, "key tile");
        p.Value.AssertCovers(n, h, j0, columns, p.D, "value tile");
        Debug.Assert(columns <= TileColumns && ws.Scores.Length >= columns * BlockRows, $"scores tile of {columns} keys exceeds the workspace");
        Debug.Assert(ws.OutT.Length >= p.D * BlockRows && ws.RowMax.Length >= BlockRows, "outᵀ / row statistics workspace too small");
        ref T scores = ref MemoryMarshal.GetReference(ws.Scores);
        Span<T> kept = ws.KeptScores.IsEmpty ? default : ws.KeptScores.Slice(j0 * BlockRows, columns * BlockRows);
        if (pass == Pass.Normalized && !kept.IsEmpty)
        {
            // The first pass's q·k of this tile, kept: the very values the scores kernel gives again, without its FLOPs.
            scores = ref MemoryMarshal.GetReference(kept);
        }
        else
        {
            ref T keys = ref Unsafe.Add(ref p.Key.At(n, h), j0 * p.Key.RowStride);
            FlashTiles<T, TVector, TSimd, TRows>.Scores(ref MemoryMarshal.GetReference(ws.QueryT), p.D, ref keys, p.Key.RowStride, columns, ref scores);
            if (!kept.IsEmpty) MemoryMarshal.CreateReadOnlySpan(ref scores, kept.Length).CopyTo(kept);
        }

        if (pass == Pass.Normalized)
        {
            FlashSoftmax<T, TVector, TSimd, TRows>.Normalized(ref scores, columns, tile, ref MemoryMarshal.GetReference(ws.RowMax), ref MemoryMarshal.GetReference(ws.InverseSum));
            if (p.Dropout.IsActive) Dropout(p, n, h, i0, rows, j0, columns, ref scores);
            bool average = p.AverageWeights;
            int offset = (average ? ((n * p.L) + i0) : ((((n * p.H) + h) * p.L) + i0)) * p.SPrime;
            // The average's first head stores instead of adding: same bits (0 + w = w for every weight ≥ 0 or NaN), and
            // no read of the fresh (zero) array before its first write. A read maps the kernel's shared zero page, and
            // the write after it must replace that mapping and flush it from every CPU running the process: an
            // interrupt to the other core per 4 KB page, which made calls returning averaged weights 30–60 % slower
            // on 2 threads (bert-512: 33 → 45–65 ms a call) and erratic.
            FlashSoftmax<T, TVector, TSimd, TRows>.StoreWeights(ref scores, columns, rows, p.Weights, offset + j0, p.SPrime, add: average && h > 0, ws.WeightRows, vectorized: TSimd.Count > 1);
            return;
        }

        bool zeros = FlashSoftmax<T, TVector, TSimd, TRows>.Online(ref scores, columns, tile, ref MemoryMarshal.GetReference(ws.RowMax), ref MemoryMarshal.GetReference(ws.RowSum), ref MemoryMarshal.GetReference(ws.Rescale));
        if (pass == Pass.Statistics) return;
        if (p.Dropout.IsActive) Dropout(p, n, h, i0, rows, j0, columns, ref scores);

        // A zero weight (masked, dropped, underflowed) must leave its lane untouched even against a NaN or
        // ∞ value, as the plain path skips it. With finite values 0·v adds nothing anyway and the plain FMA
        // gives the same bits, so only a tile with both a zero weight and a non-finite value (a cheap scan)
        // takes the slower guarded P·V.
        ref T values = ref Unsafe.Add(ref p.Value.At(n, h), j0 * p.Value.RowStride);
        ref T outT = ref MemoryMarshal.GetReference(ws.OutT);
        ref T rescale = ref MemoryMarshal.GetReference(ws.Rescale);
        if ((zeros || p.Dropout.IsActive) && !FlashTiles<T, TVector, TSimd, TRows>.AllFinite(ref values, p.Value.RowStride, columns, p.D))
        {
            FlashTiles<T, TVector, TSimd, TRows>.AccumulateValues<ZeroGuarded>(ref scores, columns, ref values, p.Value.RowStride, p.D, ref outT, ref rescale);
        }
        else
        {
            FlashTiles<T, TVector, TSimd, TRows>.AccumulateValues<Unguarded>(ref scores, columns, ref values, p.Value.RowStride, p.D, ref outT, ref rescale);
        }
    }

    private static void Dropout(CoreProblem<T> p, int n, int h, int i0, int rows, int j0, int columns, ref T scores) =>
        FlashSoftmax<T, TVector, TSimd, TRows>.Dropout(ref scores, columns, rows, p.Dropout, p.DropoutIndex(n, h, i0), (ulong)p.SPrime, j0);

    /// <summary>
    /// Writes the block's rows of this head into the attended output: outᵀ / l; fully masked rows give 0. outᵀ is
    /// scaled in place lane by lane (rows are the lanes), then transposed into the rows in register blocks: the
    /// element-by-element strided copy it replaces was a tenth of the core at L = 128 and more for short rows.
    /// Each element is the same single product as before, so the bits are unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Finish(CoreProblem<T> p, int n, int h, int qb, Workspace ws)
    {
        int br = BlockRows, i0 = qb * br, rows = Math.Min(br, p.L - i0), d = p.D;
        p.Attended.AssertCovers(n, h, i0, rows, d, "attended rows");
        ref T row = ref Unsafe.Add(ref p.Attended.At(n, h), i0 * p.Attended.RowStride);
        ref T outT = ref MemoryMarshal.GetReference(ws.OutT);
        ReadOnlySpan<T> sums = ws.RowSum;

        // outᵀ / l with l ≥ 1 (the row maximum contributes e⁰) is finite exactly when outᵀ is; lanes past L may
        // hold NaN, so a non-finite block is looked at row by row.
        bool finite = FlashTiles<T, TVector, TSimd, TRows>.AllFinite(ref outT, d * br);

        // One factor per lane; a fully masked row (l = 0) and the lanes past L get 0 and are cleared or never
        // written below. The weights sweep, when one follows, fills InverseSum afresh.
        Span<T> factors = ws.InverseSum;
        for (int r = 0; r < br; r++)
        {
            T sum = r < rows ? sums[r] : T.Zero;
            if (r < rows) FlashGuards<T>.CheckSum(p, n, h, i0 + r, sum);
            factors[r] = sum == T.Zero ? T.Zero : RowRules<T, TVector, TSimd>.Normalizer(sum);
        }

        ref T factor0 = ref MemoryMarshal.GetReference(factors);
        for (int c = 0; c < d; c++)
        {
            for (int v = 0; v < br; v += TSimd.Count)
            {
                nint at = (c * br) + v;
                TSimd.Store(TSimd.Multiply(TSimd.Load(ref outT, at), TSimd.Load(ref factor0, v)), ref outT, at);
            }
        }

        fixed (T* source = &outT, destination = &row)
        {
            GemmPacking<T>.Transpose(source, br, d, rows, destination, (int)p.Attended.RowStride, vectorized: TSimd.Count > 1, clearPadding: false);
        }

        for (int r = 0; r < rows; r++, row = ref Unsafe.Add(ref row, p.Attended.RowStride))
        {
            if (sums[r] == T.Zero) MemoryMarshal.CreateSpan(ref row, d).Clear();
            else if (!finite) FlashGuards<T>.CheckRow(p, n, h, i0 + r, ref row, d);
        }
    }

    private static void AverageRows(CoreProblem<T> p, int n, int qb)
    {
        int i0 = qb * BlockRows, rows = Math.Min(BlockRows, p.L - i0);
        T heads = T.CreateChecked(p.H);
        Span<T> block = p.Weights.AsSpan(((n * p.L) + i0) * p.SPrime, rows * p.SPrime);
        System.Numerics.Tensors.TensorPrimitives.Divide(block, heads, block);
    }

    /// <summary>
    /// A work item's scratch: qᵀ, outᵀ, the scores tile and the row statistics in one array. Each thread
    /// keeps its last one for the next item (an item is tens of microseconds; renting from the shared
    /// pool each time showed in profiles of short sequences); two, for the paired blocks.
    /// </summary>
    private sealed class Workspace : IDisposable
    {
        [ThreadStatic]
        [SuppressMessage("Style", "IDE1006", Justification = "[ThreadStatic]: t_ prefix, which no naming rule can select.")]
        private static Workspace? t_spare;

        [ThreadStatic]
        [SuppressMessage("Style", "IDE1006", Justification = "[ThreadStatic]: t_ prefix, which no naming rule can select.")]
        private static Workspace? t_secondSpare;

        private T[] _buffer = [];

        private T[] _kept = [];

        private int _keptLength;

        /// <summary>max |scale·q| over the packed block (NaN when some value is NaN).</summary>
        public double QueryMagnitude { get; set; }
        private int _depth, _rows, _columns;

        public static Workspace Rent(int depth, int rows, int columns)
        {
            Workspace ws = t_spare ?? t_secondSpare ?? new Workspace();
            if (ReferenceEquals(ws, t_spare)) t_spare = null;
            else if (ReferenceEquals(ws, t_secondSpare)) t_secondSpare = null;
            int size = (2 * depth * rows) + (2 * columns * rows) + (4 * rows);
            if (ws._buffer.Length < size) ws._buffer = new T[size];
            (ws._depth, ws._rows, ws._columns) = (depth, rows, columns);
            ws._keptLength = 0;
            return ws;
        }

        /// <summary>
        /// The raw scores of every tile of the block's current head (rows × keys, tile after tile, each in the scores
        /// tile's layout), or empty. Kept by the pass before a weights sweep, which then reads them instead of
        /// computing q·k again (half the FLOPs of a call's core). Empty unless <see cref="KeepScores"/> turned it on.
        /// </summary>
        public Span<T> KeptScores => _kept.AsSpan(0, _keptLength);

        /// <summary>Keeps the raw scores of <paramref name="keys"/> key columns for the weights sweep when they fit <see cref="KeptScoresBytes"/>; otherwise the sweep recomputes them.</summary>
        public void KeepScores(int keys)
        {
            long length = (long)keys * _rows;
            if (length * Unsafe.SizeOf<T>() > KeptScoresBytes)
            {
                _keptLength = 0;
                return;
            }

            if (_kept.Length < length) _kept = new T[length];
            _keptLength = (int)length;
        }

        public Span<T> QueryT => _buffer.AsSpan(0, _depth * _rows);
        public Span<T> OutT => _buffer.AsSpan(_depth * _rows, _depth * _rows);
        public Span<T> Scores => _buffer.AsSpan(2 * _depth * _rows, _columns * _rows);
        public Span<T> RowMax => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows), _rows);
        public Span<T> RowSum => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + _rows, _rows);
        public Span<T> Rescale => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + (2 * _rows), _rows);
        public Span<T> InverseSum => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + (3 * _rows), _rows);

        /// <summary>The scores tile transposed to rows, for adding it into the head average (<see cref="FlashSoftmax{T, TVector, TSimd, TRows}.StoreWeights"/>).</summary>
        public Span<T> WeightRows => _buffer.AsSpan((2 * _depth * _rows) + (_columns * _rows) + (4 * _rows), _columns * _rows);

        public void Dispose()
        {
            if (t_spare is null) t_spare = this;
            else t_secondSpare = this;
        }
    }
}
