using System.Numerics.Tensors;
using IvySharp;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>
/// A pass's intermediates, as arrays and as the IvyArrays wrapping them: the hidden state and the attention output
/// (N, L, E), and the row-wise stages' rows: (T, E) and (T, 4E) over the real tokens' rows when padding is skipped,
/// else (N, L, E) and (N, L, 4E) with the attention output's buffer serving as the rows.
/// </summary>
internal sealed class EncoderWorkspace
{
    private readonly int _width;
    private readonly int[] _lengths;

    public EncoderWorkspace(TokenBatch batch, bool skipPadding, int width, int inner)
    {
        Count = batch.Count;
        Length = batch.Length;
        _width = width;
        _lengths = (int[])batch.Lengths.Clone();
        int tokens = _lengths.Sum();
        // Every sentence as long as the longest: nothing to skip, so no copies either.
        Packed = skipPadding && tokens < Count * Length;
        (HiddenData, Hidden) = Padded3D(width);
        (AttendedData, Attended) = Padded3D(width);
        if (Packed)
        {
            (RowsData, Rows) = Packed2D(tokens, width);
            (UpData, Up) = Packed2D(tokens, inner);
            (DownData, Down) = Packed2D(tokens, width);
        }
        else
        {
            (RowsData, Rows) = (AttendedData, Attended);
            (UpData, Up) = Padded3D(inner);
            (DownData, Down) = Padded3D(width);
        }

        (float[], IvyArray) Padded3D(int columns)
        {
            var data = new float[Count * Length * columns];
            return (data, IvyArray.From(data, Count, Length, columns));
        }

        static (float[], IvyArray) Packed2D(int rows, int columns)
        {
            var data = new float[rows * columns];
            return (data, IvyArray.From(data, rows, columns));
        }
    }

    public int Count { get; }

    public int Length { get; }

    /// <summary>Whether the row-wise stages run on the real tokens' rows only.</summary>
    public bool Packed { get; }

    /// <summary>The layer's input (N, L, E); after <see cref="MakeDownTheHiddenState"/>, its output.</summary>
    public float[] HiddenData { get; private set; }

    public IvyArray Hidden { get; private set; }

    /// <summary>The attention block's output, (N, L, E).</summary>
    public float[] AttendedData { get; }

    public IvyArray Attended { get; }

    /// <summary>Attention output + residual, then its LayerNorm: the feed-forward's input rows.</summary>
    public float[] RowsData { get; }

    public IvyArray Rows { get; }

    public float[] UpData { get; }

    public IvyArray Up { get; }

    public float[] DownData { get; private set; }

    public IvyArray Down { get; private set; }

    /// <summary>Whether these buffers serve <paramref name="batch"/>: the same shape and sentence lengths (an encoder keeps only its own workspaces, so the padding mode matches).</summary>
    public bool Fits(TokenBatch batch) =>
        batch.Count == Count && batch.Length == Length && batch.Lengths.AsSpan().SequenceEqual(_lengths);

    /// <summary><see cref="Rows"/> = attention output + hidden state, over the rows the later stages compute.</summary>
    public void AddResidualIntoRows()
    {
        if (!Packed)
        {
            TensorPrimitives.Add(AttendedData, HiddenData, AttendedData);
            return;
        }

        // Padding follows the real tokens, so each sentence's real rows are one run at the start of its block.
        int packedRow = 0;
        for (int n = 0; n < Count; n++)
        {
            int start = n * Length * _width, size = _lengths[n] * _width;
            TensorPrimitives.Add(AttendedData.AsSpan(start, size), HiddenData.AsSpan(start, size), RowsData.AsSpan(packedRow * _width, size));
            packedRow += _lengths[n];
        }
    }

    /// <summary>The layer's output (<see cref="Down"/>) becomes the hidden state: written into its real rows, or swapped in whole.</summary>
    public void MakeDownTheHiddenState()
    {
        if (!Packed)
        {
            (HiddenData, DownData) = (DownData, HiddenData);
            (Hidden, Down) = (Down, Hidden);
            return;
        }

        int packedRow = 0;
        for (int n = 0; n < Count; n++)
        {
            int size = _lengths[n] * _width;
            DownData.AsSpan(packedRow * _width, size).CopyTo(HiddenData.AsSpan(n * Length * _width, size));
            packedRow += _lengths[n];
        }
    }

    /// <summary>A copy of a row-wise stage's output laid out (N, L, ·), with zeros in the padding rows it skipped (for comparisons).</summary>
    public float[] Padded(float[] rows)
    {
        if (!Packed) return (float[])rows.Clone();
        int columns = rows.Length / _lengths.Sum();
        var padded = new float[Count * Length * columns];
        int packedRow = 0;
        for (int n = 0; n < Count; n++)
        {
            rows.AsSpan(packedRow * columns, _lengths[n] * columns).CopyTo(padded.AsSpan(n * Length * columns));
            packedRow += _lengths[n];
        }

        return padded;
    }
}
