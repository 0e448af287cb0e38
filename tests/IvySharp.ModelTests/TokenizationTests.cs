using IvySharp.ModelTests.Support;
using SentenceSimilarity.Model;

namespace IvySharp.ModelTests;

/// <summary>Tokenising and padding a batch.</summary>
public sealed class TokenizationTests
{
    [Fact]
    public void Accents_are_stripped_and_case_folded_like_the_models_uncased_tokenizer()
    {
        LoadedModel model = LoadedModel.Get("minilm");
        TokenBatch accented = model.Batch("Café owners in ZÜRICH");
        TokenBatch plain = model.Batch("cafe owners in zurich");
        Assert.Equal(plain.Ids, accented.Ids);
        Assert.DoesNotContain(model.Tokenizer.UnknownTokenId, accented.Ids);
    }

    [Fact]
    public void A_batch_is_padded_to_its_longest_sentence_with_cls_and_sep_around_each()
    {
        LoadedModel model = LoadedModel.Get("minilm");
        TokenBatch batch = model.Batch("Rain.", "A man is eating food.");
        int cls = model.Tokenizer.ClassificationTokenId, sep = model.Tokenizer.SeparatorTokenId, pad = model.Tokenizer.PaddingTokenId;

        Assert.Equal([4, 8], batch.Lengths); // [CLS] rain . [SEP] / [CLS] a man is eating food . [SEP]
        Assert.Equal(8, batch.Length);
        for (int n = 0; n < batch.Count; n++)
        {
            Assert.Equal(cls, batch.Ids[n * batch.Length]);
            Assert.Equal(sep, batch.Ids[(n * batch.Length) + batch.Lengths[n] - 1]);
            for (int t = 0; t < batch.Length; t++)
            {
                bool padding = t >= batch.Lengths[n];
                Assert.Equal(padding, batch.Padding[(n * batch.Length) + t]);
                if (padding) Assert.Equal(pad, batch.Ids[(n * batch.Length) + t]);
            }
        }
    }

    [Fact]
    public void A_sentence_longer_than_the_position_table_is_cut_and_still_ends_in_sep()
    {
        LoadedModel model = LoadedModel.Get("minilm");
        TokenBatch batch = model.Batch(string.Join(' ', Enumerable.Repeat("word", 600)));
        Assert.Equal(PretrainedModel.MaxTokens, batch.Length);
        Assert.Equal(model.Tokenizer.SeparatorTokenId, batch.Ids[^1]);
    }
}
