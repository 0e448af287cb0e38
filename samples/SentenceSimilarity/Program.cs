// SentenceSimilarity: a pretrained sentence-embedding model (all-MiniLM-L6-v2 or
// snowflake-arctic-embed-xs) run in C# on IvySharp's layers, compared with ONNX Runtime running the
// package's original ONNX model on the same padded batch, and timed against it.
//
//   dotnet run -c Release --project samples/SentenceSimilarity -- [--model minilm|arctic] [--threads 2]
//       [--batch 32] [--runs 40] [--block 5] [--pause 250] [--ort-spinning on|off] [--padded] [sentence ...]
//
// --padded computes every padding row too, as the ONNX graph does (by default the stages after attention run on
// the real tokens' rows only; the embeddings are the same bits either way).
using System.Globalization;
using IvySharp;
using SentenceSimilarity;
using SentenceSimilarity.Benchmark;
using SentenceSimilarity.Encoder;
using SentenceSimilarity.Model;
using SentenceSimilarity.Reference;

int threads = 2, batchSize = 0, block = 5, pauseMs = 250;
int? runs = null;
bool ortSpinning = true, skipPadding = true;
PretrainedModel model = PretrainedModel.MiniLM;
var sentences = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length: model = PretrainedModel.Named(args[++i]); break;
        case "--threads" when i + 1 < args.Length: threads = Math.Max(1, Int(args[++i])); break;
        case "--runs" when i + 1 < args.Length: runs = Math.Max(1, Int(args[++i])); break;
        case "--block" when i + 1 < args.Length: block = Math.Max(1, Int(args[++i])); break;
        case "--pause" when i + 1 < args.Length: pauseMs = Math.Max(0, Int(args[++i])); break;
        case "--batch" when i + 1 < args.Length: batchSize = Math.Clamp(Int(args[++i]), 1, BuiltInSentences.Batch32.Count); break;
        case "--ort-spinning" when i + 1 < args.Length: ortSpinning = args[++i] is not ("off" or "0" or "false"); break;
        case "--padded": skipPadding = false; break;
        default: sentences.Add(args[i]); break;
    }
}

if (batchSize > 0) sentences.AddRange(BuiltInSentences.Batch32.Take(batchSize));
if (sentences.Count == 0) sentences.AddRange(BuiltInSentences.Default);

// Both sides get the same number of threads: every IvySharp layer and function reads this.
Ivy.MaxDegreeOfParallelism = threads;

var clock = System.Diagnostics.Stopwatch.StartNew();
byte[] onnxModel = model.ReadOnnxModel();
var graph = new OnnxGraph(onnxModel);
BertEncoder encoder = BertEncoder.Load(model, graph, skipPadding);
var tokenizer = model.CreateTokenizer();
using var reference = new OrtEncoder(onnxModel, model.Pooling, threads, ortSpinning);
Console.WriteLine($"Model: {model.Name} ({model.Description}), {graph.LayerCount} layers, {encoder.Heads} heads, width {encoder.Width}; loaded in {clock.Elapsed.TotalSeconds:F1} s");

TokenBatch batch = TokenBatch.Create(tokenizer, sentences);
Console.WriteLine($"Batch: {batch.Count} sentences padded to {batch.Length} tokens (real lengths {string.Join(", ", batch.Lengths)})");
int realTokens = batch.Lengths.Sum();
Console.WriteLine(skipPadding
    ? $"IvySharp runs the stages after attention on the {realTokens} real tokens' rows of {batch.Count * batch.Length} ({100.0 * realTokens / (batch.Count * batch.Length):F0} %); ONNX Runtime's graph computes every row (--padded: IvySharp too)"
    : $"Every row computed, padding included, by both engines ({realTokens} real tokens of {batch.Count * batch.Length})");
Console.WriteLine();

float[] ivy = encoder.Encode(batch);
float[] ort = reference.Encode(batch);

float[,] similarities = SentencePooling.Similarities(ivy, ivy, encoder.Width);
if (batch.Count <= 8)
{
    Console.WriteLine("Cosine similarity (IvySharp encoder):");
    PrintMatrix(similarities, sentences);
}
else
{
    (int a, int b) = MostSimilarPair(similarities);
    Console.WriteLine($"Most similar pair (IvySharp encoder): [{a}] and [{b}], cosine {similarities[a, b]:F3}");
    Console.WriteLine($"  [{a}] {sentences[a]}");
    Console.WriteLine($"  [{b}] {sentences[b]}");
}

Console.WriteLine();
float maxDifference = 0, minCosine = 1;
for (int i = 0; i < ivy.Length; i++) maxDifference = MathF.Max(maxDifference, MathF.Abs(ivy[i] - ort[i]));
float[,] agreement = SentencePooling.Similarities(ivy, ort, encoder.Width);
for (int n = 0; n < batch.Count; n++) minCosine = MathF.Min(minCosine, agreement[n, n]);
Console.WriteLine($"IvySharp vs ONNX Runtime {OrtVersion()}: max |difference| of embeddings {maxDifference:E2}, min cosine(IvySharp, ORT) per sentence {minCosine:F8}");
Console.WriteLine();

var timer = new AlternatingBlocks(
    Runs: runs ?? (batch.Count > 8 ? 20 : 40), BlockRuns: block, Pause: TimeSpan.FromMilliseconds(pauseMs),
    WarmUp: TimeSpan.FromSeconds(2), WarmUpRuns: 20);
string loadBefore = LoadAverage();
(Timing ivyTime, Timing ortTime) = timer.Measure(() => encoder.Encode(batch), () => reference.Encode(batch));
string loadAfter = LoadAverage();

Console.WriteLine($"Time per batch of {batch.Count}, {threads} thread{(threads == 1 ? "" : "s")} each: {timer.Runs} runs per engine in {timer.Rounds} alternating blocks of {timer.BlockRuns},");
Console.WriteLine($"  {pauseMs} ms idle after every block; ONNX Runtime's intra-op spinning {(ortSpinning ? "on (its default)" : "off")}; after a warm-up.");
if (loadBefore.Length > 0) Console.WriteLine($"  Load average (1 min) {loadBefore} before, {loadAfter} after.");
Console.WriteLine($"                     median       p90       min   p90/median   sentences/s");
PrintTiming("IvySharp encoder", ivyTime, batch.Count);
PrintTiming("ONNX Runtime", ortTime, batch.Count);
Console.WriteLine($"  IvySharp / ORT    {ivyTime.Median / ortTime.Median,7:F2}x  {ivyTime.P90 / ortTime.P90,7:F2}x  {ivyTime.Min / ortTime.Min,7:F2}x");

// Per stage, the median over passes of its time in a pass: on a shared machine a mean is mostly the load.
int stageRuns = Math.Min(timer.Runs, 20);
var perStage = new Dictionary<string, List<double>>();
for (int i = 0; i < stageRuns; i++)
{
    var stages = new StageTimes();
    encoder.Encode(batch, stages);
    foreach ((string stage, TimeSpan time) in stages.Stages) (perStage.TryGetValue(stage, out var list) ? list : perStage[stage] = []).Add(time.TotalMilliseconds);
}

var stageMedians = perStage.ToDictionary(entry => entry.Key, entry => Timing.Of(entry.Value).Median);
double stageTotal = stageMedians.Values.Sum();
Console.WriteLine($"IvySharp encoder by stage (median of {stageRuns} more passes; all layers together):");
foreach ((string stage, double median) in stageMedians)
{
    Console.WriteLine($"  {stage,-40} {median,8:F2} ms  {100 * median / stageTotal,5:F1} %");
}

static void PrintTiming(string name, Timing t, int sentences) =>
    Console.WriteLine($"  {name,-16}  {t.Median,7:F2} ms {t.P90,7:F2} ms {t.Min,7:F2} ms      {t.P90 / t.Median,5:F2}   {sentences / (t.Median / 1000),11:F0}");

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

static (int A, int B) MostSimilarPair(float[,] similarities)
{
    (int a, int b) = (0, 1);
    for (int i = 0; i < similarities.GetLength(0); i++)
    {
        for (int j = i + 1; j < similarities.GetLength(1); j++)
        {
            if (similarities[i, j] > similarities[a, b]) (a, b) = (i, j);
        }
    }

    return (a, b);
}

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

// Linux's 1-minute load average, or nothing elsewhere: timings on a shared machine mean little without it.
static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";

static string OrtVersion() =>
    typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";
