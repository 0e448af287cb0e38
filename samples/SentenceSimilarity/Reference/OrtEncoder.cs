using Microsoft.ML.OnnxRuntime;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Reference;

/// <summary>
/// The package's ONNX model run by ONNX Runtime (CPU, default graph optimisations, a fixed number of
/// intra-op threads), with the model's pooling and L2 normalisation applied to its <c>last_hidden_state</c>:
/// the reference the IvySharp encoder is compared with.
/// </summary>
public sealed class OrtEncoder : IDisposable
{
    private const string LastHiddenState = "last_hidden_state";
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;

    /// <summary>A session on <paramref name="onnxModel"/> (the original bytes, or a copy with extra outputs).</summary>
    /// <param name="onnxModel">The model's bytes.</param>
    /// <param name="pooling">How <c>last_hidden_state</c> becomes a sentence vector.</param>
    /// <param name="intraOpThreads">ORT's intra-op threads (the calling thread is one of them).</param>
    /// <param name="allowSpinning">
    /// Whether ORT's pool threads spin-wait for work after a run (ORT's default, its fastest setting for
    /// back-to-back runs). Off, they block at once, so they take no core from whatever runs next: the tests, which
    /// run in parallel, turn it off; the sample's timing keeps ORT's default and pauses between blocks instead.
    /// </param>
    public OrtEncoder(byte[] onnxModel, Pooling pooling, int intraOpThreads = 2, bool allowSpinning = false)
    {
        _options = new SessionOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        _session = new InferenceSession(onnxModel, _options);
        Pooling = pooling;
    }

    /// <summary>How <c>last_hidden_state</c> becomes a sentence vector.</summary>
    public Pooling Pooling { get; }

    /// <summary>The L2-normalised sentence embeddings, (N, E) row-major.</summary>
    public float[] Encode(TokenBatch batch)
    {
        float[] hidden = Run(batch, LastHiddenState)[LastHiddenState];
        return SentencePooling.Pool(batch, hidden, Pooling);
    }

    /// <summary>Runs the model and returns the named outputs, each flattened row-major.</summary>
    public Dictionary<string, float[]> Run(TokenBatch batch, params string[] outputNames)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long[] shape = [batch.Count, batch.Length];
        long[] ids = Array.ConvertAll(batch.Ids, id => (long)id);
        long[] mask = Array.ConvertAll(batch.Padding, padding => padding ? 0L : 1L);
        var types = new long[ids.Length];
        using OrtValue idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using OrtValue maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using OrtValue typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(
            runOptions,
            ["input_ids", "attention_mask", "token_type_ids"],
            [idsValue, maskValue, typesValue],
            outputNames);
        var result = new Dictionary<string, float[]>(outputNames.Length);
        for (int i = 0; i < outputNames.Length; i++) result[outputNames[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
