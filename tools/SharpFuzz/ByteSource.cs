using System.Diagnostics.CodeAnalysis;

namespace IvySharp.SharpFuzz;

/// <summary>
/// Reads afl's input one decision at a time. Past the end every read is 0, so a short input still
/// decodes into a call (the smallest, plainest one) and afl's truncations stay meaningful.
/// </summary>
internal sealed class ByteSource(byte[] data)
{
    // One byte per element: 240 ordinary values on a 1/64 grid in [-1.875, 1.86], then 16 hostile ones.
    // The grid keeps ordinary calls exactly representable in float16 too, so every dtype sees the same values.
    private static readonly double[] s_specials =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e30, -1e30, 65504, 1e300, -1e300,
        double.MaxValue, 1e-300, -0.0, 4.0, 100, -100, 1e5, double.Epsilon,
    ];

    private int _position;

    public byte Next() => _position < data.Length ? data[_position++] : (byte)0;

    /// <summary>A byte reduced to [0, <paramref name="count"/>).</summary>
    public int Pick(int count) => Next() % count;

    [SuppressMessage("Performance", "CA1822", Justification = "Read through the source like Next and Pick, so a decoder reads as one vocabulary.")]
    public bool Bit(byte flags, int bit) => (flags & (1 << bit)) != 0;

    /// <summary>One element value (see <see cref="s_specials"/>).</summary>
    public double Value()
    {
        byte b = Next();
        return b < 240 ? (b - 120) / 64.0 : s_specials[b - 240];
    }
}
