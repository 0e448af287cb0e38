using Microsoft.ML.Tokenizers;

namespace SentenceSimilarity.Model;

/// <summary>
/// Sentences tokenised and padded to one length: [CLS] tokens [SEP] then [PAD], with a
/// per-token padding flag. Token types are all 0 (single sentences).
/// </summary>
public sealed class TokenBatch
{
    private TokenBatch(int count, int length, int[] ids, bool[] padding, int[] lengths)
    {
        Count = count;
        Length = length;
        Ids = ids;
        Padding = padding;
        Lengths = lengths;
    }

    /// <summary>N, the number of sentences.</summary>
    public int Count { get; }

    /// <summary>L, the padded length (the longest sentence's token count).</summary>
    public int Length { get; }

    /// <summary>Token ids, (N, L) row-major; padding positions hold [PAD]'s id.</summary>
    public int[] Ids { get; }

    /// <summary>(N, L): true where the position is padding; the key padding mask for attention.</summary>
    public bool[] Padding { get; }

    /// <summary>The real token count of each sentence, special tokens included.</summary>
    public int[] Lengths { get; }

    /// <summary>Tokenises <paramref name="sentences"/> and pads them to the longest.</summary>
    /// <remarks>A sentence longer than <see cref="PretrainedModel.MaxTokens"/> tokens is cut to that length, ending in [SEP].</remarks>
    /// <exception cref="ArgumentException">No sentences.</exception>
    public static TokenBatch Create(BertTokenizer tokenizer, IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sentences);
        if (sentences.Count == 0) throw new ArgumentException("At least one sentence is needed.", nameof(sentences));

        var encoded = new List<int[]>(sentences.Count);
        foreach (string sentence in sentences)
        {
            int[] ids = [.. tokenizer.EncodeToIds(sentence, addSpecialTokens: true, considerPreTokenization: true, considerNormalization: true)];
            if (ids.Length > PretrainedModel.MaxTokens)
            {
                ids = ids[..PretrainedModel.MaxTokens];
                ids[^1] = tokenizer.SeparatorTokenId;
            }

            encoded.Add(ids);
        }

        int count = encoded.Count, length = encoded.Max(ids => ids.Length);
        var batchIds = new int[count * length];
        var padding = new bool[count * length];
        var lengths = new int[count];
        for (int n = 0; n < count; n++)
        {
            int[] ids = encoded[n];
            lengths[n] = ids.Length;
            ids.CopyTo(batchIds, n * length);
            padding.AsSpan((n * length) + ids.Length, length - ids.Length).Fill(true);
            batchIds.AsSpan((n * length) + ids.Length, length - ids.Length).Fill(tokenizer.PaddingTokenId);
        }

        return new TokenBatch(count, length, batchIds, padding, lengths);
    }
}
