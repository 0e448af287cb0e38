// SentenceSimilarity: a pretrained sentence-embedding model (all-MiniLM-L6-v2 or
// snowflake-arctic-embed-xs) run in C# with IvySharp's multi-head attention, compared with
// ONNX Runtime running the package's original ONNX model on the same padded batch.
//
//   dotnet run -c Release --project samples/SentenceSimilarity -- [--model minilm|arctic] [--threads 2] [--runs 11] [sentence ...]
using System.Diagnostics;
using IvySharp;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;
using SentenceSimilarity.Reference;

int threads = 2;
PretrainedModel model = PretrainedModel.MiniLM;
int runs = 11;
var sentences = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length: model = PretrainedModel.Named(args[++i]); break;
        case "--threads" when i + 1 < args.Length: threads = Math.Max(1, int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture)); break;
        case "--runs" when i + 1 < args.Length: runs = Math.Max(1, int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture)); break;
        default: sentences.Add(args[i]); break;
    }
}

if (sentences.Count == 0)
{
    sentences.AddRange([
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The new movie is awesome.",
        "A man is riding a white horse on an enclosed ground.",
        "The cat sits outside.",
        "Two men pushed carts through the woods.",
    ]);
}

// Both sides get the same number of threads: IvySharp's attention and the sample's dense layers read this.
Ivy.MaxDegreeOfParallelism = threads;

var clock = Stopwatch.StartNew();
byte[] onnxModel = model.ReadOnnxModel();
var graph = new OnnxGraph(onnxModel);
BertEncoder encoder = BertEncoder.Load(model, graph);
var tokenizer = model.CreateTokenizer();
using var reference = new OrtEncoder(onnxModel, model.Pooling, threads);
Console.WriteLine($"Model: {model.Name} ({model.Description}), {graph.LayerCount} layers, {encoder.Heads} heads, width {encoder.Width}; loaded in {clock.Elapsed.TotalSeconds:F1} s");

TokenBatch batch = TokenBatch.Create(tokenizer, sentences);
Console.WriteLine($"Batch: {batch.Count} sentences padded to {batch.Length} tokens (real lengths {string.Join(", ", batch.Lengths)})");
Console.WriteLine();

float[] ivy = encoder.Encode(batch);
float[] ort = reference.Encode(batch);

Console.WriteLine("Cosine similarity (IvySharp encoder):");
PrintMatrix(SentencePooling.Similarities(ivy, ivy, encoder.Width), sentences);
Console.WriteLine();

float maxDifference = 0, minCosine = 1;
for (int i = 0; i < ivy.Length; i++) maxDifference = MathF.Max(maxDifference, MathF.Abs(ivy[i] - ort[i]));
float[,] agreement = SentencePooling.Similarities(ivy, ort, encoder.Width);
for (int n = 0; n < batch.Count; n++) minCosine = MathF.Min(minCosine, agreement[n, n]);
Console.WriteLine($"IvySharp vs ONNX Runtime {OrtVersion()}: max |difference| of embeddings {maxDifference:E2}, min cosine(IvySharp, ORT) per sentence {minCosine:F8}");

// Interleaved (IvySharp, ORT, IvySharp, ORT, ...) so that both see the same machine load; the
// minimum is printed too because on a shared machine it is the steadier figure.
(Timing ivyTime, Timing ortTime) = TimeInterleaved(() => encoder.Encode(batch), () => reference.Encode(batch), runs);
Console.WriteLine($"Time per batch ({threads} thread{(threads == 1 ? "" : "s")} each, {runs} interleaved runs after a warm-up):");
Console.WriteLine($"  IvySharp encoder  median {ivyTime.Median,7:F1} ms   min {ivyTime.Min,7:F1} ms");
Console.WriteLine($"  ONNX Runtime      median {ortTime.Median,7:F1} ms   min {ortTime.Min,7:F1} ms");
Console.WriteLine($"  IvySharp / ORT    median {ivyTime.Median / ortTime.Median,7:F2}x      min {ivyTime.Min / ortTime.Min,7:F2}x");

var stages = new StageTimes();
for (int i = 0; i < runs; i++) encoder.Encode(batch, stages);
Console.WriteLine($"IvySharp encoder by stage (mean of {runs} more runs):");
foreach ((string stage, TimeSpan time) in stages.Stages)
{
    Console.WriteLine($"  {stage,-36} {time.TotalMilliseconds / runs,8:F1} ms  {100 * time / stages.Total,5:F1} %");
}

static (Timing First, Timing Second) TimeInterleaved(Action first, Action second, int runs)
{
    first(); // warm-up: JIT, thread pool, ORT's first-run allocations
    second();
    double[] a = new double[runs], b = new double[runs];
    for (int i = 0; i < runs; i++)
    {
        a[i] = Milliseconds(first);
        b[i] = Milliseconds(second);
    }

    return (Timing.Of(a), Timing.Of(b));

    static double Milliseconds(Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}

static void PrintMatrix(float[,] similarities, IReadOnlyList<string> sentences)
{
    int count = sentences.Count;
    Console.WriteLine("       " + string.Concat(Enumerable.Range(0, count).Select(j => $"{$"[{j}]",7}")));
    for (int i = 0; i < count; i++)
    {
        Console.WriteLine($"{$"[{i}]",5}  " + string.Concat(Enumerable.Range(0, count).Select(j => $"{similarities[i, j],7:F3}")));
    }

    for (int i = 0; i < count; i++) Console.WriteLine($"{$"[{i}]",5}  {sentences[i]}");
}

static string OrtVersion() =>
    typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";

/// <summary>The median and minimum of a set of timings, in milliseconds.</summary>
internal readonly record struct Timing(double Median, double Min)
{
    public static Timing Of(double[] milliseconds)
    {
        double[] sorted = [.. milliseconds.Order()];
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Timing(median, sorted[0]);
    }
}
