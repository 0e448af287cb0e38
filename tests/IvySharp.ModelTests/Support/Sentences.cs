namespace IvySharp.ModelTests.Support;

/// <summary>Test sentences and comparisons.</summary>
public static class Sentences
{
    /// <summary>Eight sentences from 1 to about 40 tokens: one padded batch exercises every padding amount.</summary>
    public static readonly string[] MixedLengths =
    [
        "Hi.",
        "A man is eating food.",
        "The quick brown fox jumps over the lazy dog.",
        "Padding must not change what a sentence means, however long its neighbours are in the batch.",
        "Transformers attend to every token; masked keys get no weight at all.",
        "Rain.",
        "In 1969, Apollo 11 landed on the Moon and two astronauts walked on its surface for about two and a half hours, collecting samples.",
        "Café owners in Zürich don't like unbelievably long, hyphen-separated compound words!",
    ];

    /// <summary>The largest |a[i] − b[i]|.</summary>
    public static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>The cosine similarity of two vectors.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(aa * bb);
    }
}
