using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Kernels.Gemm;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>What applies to the scores of one tile: the scale, the masks (null references when absent) and the causal cut.</summary>
internal ref struct TileMasks<T>
    where T : unmanaged
{
    /// <summary>Transposed attention mask at (first key of the tile, first row of the block); rows are <see cref="AttentionStride"/> apart.</summary>
    public ref T Attention;

    public nint AttentionStride;

    /// <summary>Key padding values at the first key of the tile.</summary>
    public ref T Padding;

    /// <summary>The attention mask is boolean: its −∞ entries are assigned over the score rather than added.</summary>
    public bool AttentionAssigns;

    /// <summary>The key padding mask is boolean (assigned, like <see cref="AttentionAssigns"/>).</summary>
    public bool PaddingAssigns;

    /// <summary>True when some key of the tile lies above the diagonal for some row of the block.</summary>
    public bool Causal;

    /// <summary>The scores still need multiplying by <see cref="Scale"/> (|scale| &gt; 1; see ScalePlacement).</summary>
    public bool ScalesScores;

    public T Scale;

    public int FirstRow;
    public int FirstKey;
}

/// <summary>
/// The softmax steps on a scores tile laid out (key, row) with the block's rows in the lanes: scale and
/// masks, the running row maximum and sum of the online softmax with the −∞ guards, the exact
/// normalised weights of the two-pass mode, and dropout by the plain path's counter hash.
/// </summary>
internal static class FlashSoftmax<T, TVector, TSimd, TRows>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
    where TRows : ICount
{
    private static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Value * TSimd.Count;
    }

    /// <summary>
    /// Online step: turns raw scores into exp(s − m_new), updates the row max m and sum l, and leaves in
    /// <paramref name="rescale"/> the factor exp(m_old − m_new) the earlier accumulation must be multiplied by.
    /// Returns true when some probability of the tile is exactly 0 (a masked or underflowed weight).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static bool Online(ref T scores, int columns, scoped in TileMasks<T> masks, ref T rowMax, ref T rowSum, ref T rescale)
    {
        int w = TSimd.Count, br = BlockRows;
        TVector zeros = TSimd.Zero;
        for (int v = 0; v < TRows.Value; v++)
        {
            TVector tileMax = Adjust(ref scores, columns, v, masks);
            TVector oldMax = TSimd.Load(ref rowMax, v * w);
            TVector newMax = TSimd.MaxNative(oldMax, tileMax);
            TVector shift = SafeShift(newMax);
            TVector alpha = VectorExp<T, TVector, TSimd>.ExpNonPositive(TSimd.Subtract(oldMax, shift));
            TVector sum = TSimd.Zero;
            ref T s = ref Unsafe.Add(ref scores, v * w);
            for (int j = 0; j < columns; j++)
            {
                TVector p = VectorExp<T, TVector, TSimd>.ExpNonPositive(TSimd.Subtract(TSimd.Load(ref s, j * br), shift));
                TSimd.Store(p, ref s, j * br);
                sum = TSimd.Add(sum, p);
                zeros = TSimd.Or(zeros, TSimd.Equals(p, TSimd.Zero));
            }

            TSimd.Store(newMax, ref rowMax, v * w);
            TSimd.Store(TSimd.MultiplyAdd(TSimd.Load(ref rowSum, v * w), alpha, sum), ref rowSum, v * w);
            TSimd.Store(alpha, ref rescale, v * w);
        }

        // Lanes past L may hold NaN (a zero query row against an ∞ key); an OR of equalities is immune to it.
        return TSimd.Any(zeros);
    }

    /// <summary>Two-pass step: raw scores become the final weights exp(s − m)·(1/l), with m and l the finished row statistics.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Normalized(ref T scores, int columns, scoped in TileMasks<T> masks, ref T rowMax, ref T inverseSum)
    {
        int w = TSimd.Count, br = BlockRows;
        for (int v = 0; v < TRows.Value; v++)
        {
            Adjust(ref scores, columns, v, masks);
            TVector shift = SafeShift(TSimd.Load(ref rowMax, v * w));
            TVector inverse = TSimd.Load(ref inverseSum, v * w);
            ref T s = ref Unsafe.Add(ref scores, v * w);
            for (int j = 0; j < columns; j++)
            {
                TVector p = VectorExp<T, TVector, TSimd>.ExpNonPositive(TSimd.Subtract(TSimd.Load(ref s, j * br), shift));
                TSimd.Store(TSimd.Multiply(p, inverse), ref s, j * br);
            }
        }
    }

    /// <summary>Applies <see cref="DropoutRule{T}"/> to the tile's weights, with the flat (n, h, i, j) index of its first row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dropout(ref T scores, int columns, int rows, in DropoutRule<T> dropout, ulong firstRowIndex, ulong rowIndexStride, int firstKey)
    {
        int br = BlockRows;
        for (int r = 0; r < rows; r++)
        {
            dropout.Apply(ref Unsafe.Add(ref scores, r), br, columns, firstRowIndex + ((ulong)r * rowIndexStride) + (ulong)firstKey);
        }
    }

    /// <summary>
    /// Writes (or, for the head average, adds) the tile's weights into the row-major weights rows. The tile is
    /// column-major (a column's rows are the lanes), so this is a transpose: done in register blocks
    /// (<see cref="GemmPacking{T}.Transpose"/>) because the element-by-element strided copy it replaces took about
    /// a sixth of a bert-512 call returning weights. The add goes through <paramref name="scratch"/> (the tile
    /// transposed, then added row by row). Values are only moved, and each add is the same single addition as
    /// before, so the bits are unchanged. The scratch holds at least columns × rows elements and serves only the
    /// add; vectorized is false for the Scalar variant, which never touches SIMD.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void StoreWeights(ref T scores, int columns, int rows, Span<T> weights, int firstRowOffset, int rowStride, bool add, Span<T> scratch, bool vectorized)
    {
        if (rows == 0 || columns == 0) return;

        // The transpose writes through pointers: bound the whole region once here (a slice that throws).
        Span<T> region = weights.Slice(firstRowOffset, ((rows - 1) * rowStride) + columns);
        int br = BlockRows;
        fixed (T* source = &scores, target = region)
        {
            if (!add)
            {
                GemmPacking<T>.Transpose(source, br, columns, rows, target, rowStride, vectorized, clearPadding: false);
                return;
            }

            Span<T> transposed = scratch[..(columns * rows)];
            fixed (T* rowsFirst = transposed)
            {
                GemmPacking<T>.Transpose(source, br, columns, rows, rowsFirst, columns, vectorized, clearPadding: false);
            }

            for (int r = 0; r < rows; r++)
            {
                Span<T> row = region.Slice(r * rowStride, columns);
                System.Numerics.Tensors.TensorPrimitives.Add(row, transposed.Slice(r * columns, columns), row);
            }
        }
    }

    /// <summary>The subtrahend for exp (<see cref="RowRules{T, TVector, TSimd}.SoftmaxShift"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SafeShift(TVector max) => RowRules<T, TVector, TSimd>.SoftmaxShift(max);

    /// <summary>
    /// Applies the scale (unless it rode on q) and then <see cref="RowRules{T, TVector, TSimd}.Mask"/> to register
    /// <paramref name="v"/> of the tile. Returns the lane-wise maximum.
    /// </summary>
    // Kept out of line (called once per register of rows per tile): inlined, it used up the JIT's inlining
    // budget of its callers and left the exp of their hot loops as calls.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static TVector Adjust(ref T scores, int columns, int v, scoped in TileMasks<T> masks)
    {
        int w = TSimd.Count, br = BlockRows;
        TVector max = TSimd.Splat(T.NegativeInfinity);
        ref T s = ref Unsafe.Add(ref scores, v * w);
        bool hasAttention = !Unsafe.IsNullRef(ref masks.Attention), hasPadding = !Unsafe.IsNullRef(ref masks.Padding);
        bool causal = masks.Causal && masks.FirstKey + columns - 1 > masks.FirstRow + (v * w);
        if (masks.ScalesScores)
        {
            // Rare (|scale| > 1): scale·(q·k) as the contract writes it, one pass before the masks.
            TVector scale = TSimd.Splat(masks.Scale);
            for (int j = 0; j < columns; j++) TSimd.Store(TSimd.Multiply(TSimd.Load(ref s, j * br), scale), ref s, j * br);
        }

        if (!hasAttention && !hasPadding && !causal)
        {
            // Nothing to apply: the maximum alone, the tile stays as the scores kernel left it.
            for (int j = 0; j < columns; j++) max = TSimd.MaxNative(max, TSimd.Load(ref s, j * br));
            return max;
        }

        ref T attention = ref hasAttention ? ref Unsafe.Add(ref masks.Attention, v * w) : ref Unsafe.NullRef<T>();
        TVector rows = TSimd.Add(TSimd.Splat(T.CreateTruncating(masks.FirstRow + (v * w))), TSimd.Indices);
        var kinds = new MaskKinds(hasAttention, masks.AttentionAssigns, hasPadding, masks.PaddingAssigns);
        for (int j = 0; j < columns; j++)
        {
            TVector attend = hasAttention ? TSimd.Load(ref attention, j * masks.AttentionStride) : default;
            TVector pad = hasPadding ? TSimd.Splat(Unsafe.Add(ref masks.Padding, j)) : default;
            TVector above = causal ? TSimd.LessThan(rows, TSimd.Splat(T.CreateTruncating(masks.FirstKey + j))) : default;
            TVector x = RowRules<T, TVector, TSimd>.Mask(TSimd.Load(ref s, j * br), attend, pad, causal, above, kinds);
            TSimd.Store(x, ref s, j * br);
            max = TSimd.MaxNative(max, x);
        }

        return max;
    }
}
