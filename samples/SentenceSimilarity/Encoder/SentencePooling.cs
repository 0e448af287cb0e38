using System.Numerics.Tensors;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Encoder;

/// <summary>Hidden states to L2-normalised sentence vectors, as the model packages do it.</summary>
public static class SentencePooling
{
    /// <summary>
    /// (N, L, E) hidden states to (N, E) unit vectors: the mean of each sentence's real tokens
    /// (<see cref="Pooling.Mean"/>) or its first token (<see cref="Pooling.Cls"/>), then L2-normalised.
    /// </summary>
    public static float[] Pool(TokenBatch batch, float[] hidden, Pooling pooling)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(hidden);
        int e = hidden.Length / (batch.Count * batch.Length);
        var embeddings = new float[batch.Count * e];
        for (int n = 0; n < batch.Count; n++)
        {
            Span<float> embedding = embeddings.AsSpan(n * e, e);
            // Padding follows the real tokens, so a sentence's tokens are its first Lengths[n] rows.
            int tokens = pooling == Pooling.Cls ? 1 : batch.Lengths[n];
            for (int t = 0; t < tokens; t++) TensorPrimitives.Add(embedding, hidden.AsSpan(((n * batch.Length) + t) * e, e), embedding);
            TensorPrimitives.Divide(embedding, tokens, embedding);
            TensorPrimitives.Divide(embedding, MathF.Max(TensorPrimitives.Norm<float>(embedding), 1e-12f), embedding);
        }

        return embeddings;
    }

    /// <summary>The cosine similarity of every pair of rows of two (·, E) matrices of unit vectors: their dot products.</summary>
    public static float[,] Similarities(float[] a, float[] b, int width)
    {
        int rows = a.Length / width, columns = b.Length / width;
        var result = new float[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++) result[i, j] = TensorPrimitives.Dot(a.AsSpan(i * width, width), b.AsSpan(j * width, width));
        }

        return result;
    }
}
