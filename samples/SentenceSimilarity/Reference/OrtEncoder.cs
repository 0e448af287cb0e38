using Microsoft.ML.OnnxRuntime;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;

namespace SentenceSimilarity.Reference;

/// <summary>
/// The package's ONNX model run by ONNX Runtime (CPU, default graph optimisations, a fixed number of
/// intra-op threads that do not spin between runs), with the model's pooling and L2 normalisation applied to its
/// <c>last_hidden_state</c>: the reference the IvySharp encoder is compared with.
/// </summary>
public sealed class OrtEncoder : IDisposable
{
    private const string LastHiddenState = "last_hidden_state";
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;

    /// <summary>A session on <paramref name="onnxModel"/> (the original bytes, or a copy with extra outputs).</summary>
    public OrtEncoder(byte[] onnxModel, Pooling pooling, int intraOpThreads = 2)
    {
        _options = new SessionOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        // No spin-waiting between runs: spinning pool threads would take the cores from whatever runs
        // next (the IvySharp encoder, timed interleaved with this) and from the other work on the machine.
        _options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
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
