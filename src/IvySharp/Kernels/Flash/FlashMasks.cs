using System.Buffers;
using System.Numerics;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The masks of one call (<see cref="MaskValues{T}"/>: floating masks as given, boolean ones as 0 / −∞, with
/// flags saying which, since masked positions are assigned −∞) laid out for the tiled core:
/// the attention mask transposed to (slice, S, Lp) so that a key's values for the rows of a block are
/// one register load (Lp = L rounded up to whole blocks, the extra rows 0), the key padding mask as
/// (N, S). Alongside, one flag per (slice, query block, key tile) and per (sample, key tile) telling
/// that every value there is −∞, so the core skips the tile without computing it.
/// </summary>
internal sealed class FlashMasks<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _attention;
    private T[]? _padding;

    private readonly int _samples, _heads;

    private FlashMasks(int samples, int heads, int s, int paddedRows, int blockRows, int tileColumns)
    {
        _samples = samples;
        _heads = heads;
        S = s;
        PaddedRows = paddedRows;
        BlockRows = blockRows;
        TileColumns = tileColumns;
        QueryBlocks = paddedRows / blockRows;
        KeyTiles = (s + tileColumns - 1) / tileColumns;
    }

    public int S { get; }
    public int PaddedRows { get; }
    public int BlockRows { get; }
    public int TileColumns { get; }
    public int QueryBlocks { get; }
    public int KeyTiles { get; }

    /// <summary>Transposed additive attention mask (slice, S, Lp), or null.</summary>
    public T[]? Attention => _attention;

    /// <summary>True when the attention mask has one slice per (sample, head) rather than one shared slice.</summary>
    public bool AttentionPerHead { get; private set; }

    /// <summary>True when the attention mask was boolean: its −∞ entries are assigned (a NaN score there is dropped), not added.</summary>
    public bool AttentionIsBool { get; private set; }

    /// <summary>True when the key padding mask was boolean (assigned like <see cref="AttentionIsBool"/>).</summary>
    public bool PaddingIsBool { get; private set; }

    // max |k| per (sample, head, key tile), filled on first need by whichever block asks (every writer stores
    // the same value; a double is written whole): a tile under a floating −∞ mask is skipped only when its
    // scores are finite, and the keys' size is the same for every query block. −1: not computed yet.
    private double[]? _keyMagnitudes;

    /// <summary>True when a floating mask holds NaN or +∞ (see <see cref="FlashGuards{T}.MaySkip"/>).</summary>
    public bool AddsNanOrPositiveInfinity { get; private set; }

    /// <summary>Additive key padding mask (N, S), or null.</summary>
    public T[]? Padding => _padding;

    private bool[]? AttentionTileMasked { get; set; }
    private bool[]? PaddingTileMasked { get; set; }

    /// <summary>Converts the call's masks for blocks of <paramref name="blockRows"/> query rows and tiles of <paramref name="tileColumns"/> keys.</summary>
    public static FlashMasks<T> Build(MaskValues<T>? attention, MaskValues<T>? padding, int n, int h, int l, int s, int blockRows, int tileColumns)
    {
        int paddedRows = ((l + blockRows - 1) / blockRows) * blockRows;
        var masks = new FlashMasks<T>(n, h, s, paddedRows, blockRows, tileColumns);
        if (attention is not null) masks.ConvertAttention(attention, attention.PerBatchHead ? n * h : 1, l);
        if (padding is not null) masks.ConvertPadding(padding, n);
        return masks;
    }

    /// <summary>
    /// Whether the whole (query block, key tile) is −∞ for this (sample, head), and how: assigned (a boolean
    /// mask; any score there is dropped) or added (a floating mask; see <see cref="FlashGuards{T}.MaySkip"/>).
    /// </summary>
    public TileMasking MaskingOf(int n, int h, int heads, int queryBlock, int keyTile)
    {
        bool padded = PaddingTileMasked is { } paddingFlags && paddingFlags[(n * KeyTiles) + keyTile];
        bool attended = false;
        if (AttentionTileMasked is { } masked)
        {
            int slice = AttentionPerHead ? (n * heads) + h : 0;
            attended = masked[(((slice * QueryBlocks) + queryBlock) * KeyTiles) + keyTile];
        }

        if ((padded && PaddingIsBool) || (attended && AttentionIsBool)) return TileMasking.Assigned;
        return padded || attended ? TileMasking.Added : TileMasking.Visible;
    }

    /// <summary>max |k| over key tile <paramref name="keyTile"/> of (n, h), whose keys start at <paramref name="keys"/> (cached per call).</summary>
    public double KeyMagnitude(int n, int h, int keyTile, ref T keys, nint keyStride, int columns, int depth)
    {
        double[] cache = Volatile.Read(ref _keyMagnitudes) ?? CreateKeyMagnitudes();
        int index = (((n * _heads) + h) * KeyTiles) + keyTile;
        double magnitude = cache[index];
        if (magnitude >= 0 || double.IsNaN(magnitude)) return magnitude;
        magnitude = FlashGuards<T>.MaxMagnitude(ref keys, keyStride, columns, depth);
        cache[index] = magnitude;
        return magnitude;
    }

    private double[] CreateKeyMagnitudes()
    {
        var cache = new double[_samples * _heads * KeyTiles];
        Array.Fill(cache, -1.0);
        Interlocked.CompareExchange(ref _keyMagnitudes, cache, null);
        return _keyMagnitudes!;
    }

    /// <summary>Start of the transposed attention mask at (slice of (n, h), key 0, row 0).</summary>
    public int AttentionOffset(int n, int h, int heads) => (AttentionPerHead ? (n * heads) + h : 0) * S * PaddedRows;

    private void ConvertAttention(MaskValues<T> mask, int slices, int l)
    {
        int s = S, lp = PaddedRows;
        AttentionPerHead = mask.PerBatchHead;
        AttentionIsBool = mask.Assigns;
        _attention = ArrayPool<T>.Shared.Rent(slices * s * lp);
        var flags = new bool[slices * QueryBlocks * KeyTiles];
        Array.Fill(flags, true);
        AttentionTileMasked = flags;

        ReadOnlySpan<T> values = mask.Span;
        T[] target = _attention;
        for (int slice = 0; slice < slices; slice++)
        {
            int source = slice * l * s, destination = slice * s * lp;
            for (int i = 0; i < l; i++)
            {
                int flagRow = ((slice * QueryBlocks) + (i / BlockRows)) * KeyTiles;
                for (int j = 0; j < s; j++)
                {
                    T value = values[source + (i * s) + j];
                    target[destination + (j * lp) + i] = value;
                    if (!T.IsNegativeInfinity(value)) flags[flagRow + (j / TileColumns)] = false;
                    if (T.IsNaN(value) || T.IsPositiveInfinity(value)) AddsNanOrPositiveInfinity = true;
                }
            }

            // Rows past L in the last block: visible (0) so their lanes stay finite; they are never stored.
            for (int j = 0; j < s; j++) target.AsSpan(destination + (j * lp) + l, lp - l).Clear();
        }
    }

    private void ConvertPadding(MaskValues<T> mask, int n)
    {
        int s = S;
        _padding = ArrayPool<T>.Shared.Rent(n * s);
        PaddingIsBool = mask.Assigns;
        mask.Span[..(n * s)].CopyTo(_padding);
        if (!mask.Assigns)
        {
            foreach (T value in _padding.AsSpan(0, n * s)) AddsNanOrPositiveInfinity |= T.IsNaN(value) || T.IsPositiveInfinity(value);
        }

        var flags = new bool[n * KeyTiles];
        for (int sample = 0; sample < n; sample++)
        {
            for (int tile = 0; tile < KeyTiles; tile++)
            {
                int first = tile * TileColumns, count = Math.Min(TileColumns, s - first);
                bool all = true;
                foreach (T value in _padding.AsSpan((sample * s) + first, count)) all &= T.IsNegativeInfinity(value);
                flags[(sample * KeyTiles) + tile] = all;
            }
        }

        PaddingTileMasked = flags;
    }

    public void Dispose()
    {
        if (_attention is not null) ArrayPool<T>.Shared.Return(_attention);
        if (_padding is not null) ArrayPool<T>.Shared.Return(_padding);
        _attention = _padding = null;
    }
}

/// <summary>How a (query block, key tile) of a call is masked as a whole.</summary>
internal enum TileMasking
{
    /// <summary>Some position of the tile is not −∞: it is computed.</summary>
    Visible,

    /// <summary>Every position gets −∞ by assignment (boolean mask): skipped, whatever the scores.</summary>
    Assigned,

    /// <summary>Every position gets −∞ by addition (floating mask): skipped only when the scores are finite.</summary>
    Added,
}
