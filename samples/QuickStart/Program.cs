// QuickStart: a small self-attention and a cross-attention with masks through IvySharp.
using System.Diagnostics;
using System.Numerics.Tensors;
using IvySharp;

var random = new Random(42);
float[] RandomData(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

// Self-attention: batch of 2 sequences of 5 tokens, width 8, 2 heads, packed projection weights.
const int n = 2, l = 5, e = 8, heads = 2;
IvyArray x = IvyArray.From(RandomData(n * l * e), n, l, e);
IvyArray inProj = IvyArray.From(RandomData(3 * e * e), 3 * e, e);
IvyArray outProj = IvyArray.From(RandomData(e * e), e, e);

var clock = Stopwatch.StartNew();
var (y, weights) = Ivy.MultiHeadAttention(
    x, numHeads: heads, inProjWeights: inProj, outProjWeights: outProj,
    isCausal: true, returnAttentionWeights: true);
clock.Stop();
Console.WriteLine($"self-attention: query {Shape(x)} -> output {Shape(y)}, weights {Shape(weights!)} in {clock.Elapsed.TotalMilliseconds:F2} ms");
Console.WriteLine($"  output[0, 0, :4] = {string.Join(", ", Enumerable.Range(0, 4).Select(c => y[0, 0, c].ToString("F5")))}");
Console.WriteLine($"  causal weights of sample 0, query 1: {string.Join(", ", Enumerable.Range(0, l).Select(j => weights![0, 1, j].ToString("F4")))}");

// Cross-attention on System.Numerics.Tensors tensors: 3 queries attend 6 keys of another width,
// the last two keys of sample 1 are padding, and a float mask discourages key 0.
const int s = 6, kv = 4;
Tensor<float> query = Tensor.Create(RandomData(n * 3 * e), [n, 3, e]);
Tensor<float> memory = Tensor.Create(RandomData(n * s * kv), [n, s, kv]);
var padding = new bool[n * s];
padding[s + 4] = padding[s + 5] = true;
var bias = new float[3 * s];
for (int i = 0; i < 3; i++) bias[i * s] = -2f;

clock.Restart();
IvyArray crossOut = Ivy.MultiHeadAttention(
    query, memory, memory, numHeads: heads,
    qProjWeights: IvyArray.From(RandomData(e * e), e, e),
    kProjWeights: IvyArray.From(RandomData(e * kv), e, kv),
    vProjWeights: IvyArray.From(RandomData(e * kv), e, kv),
    attentionMask: IvyArray.From(bias, 3, s),
    keyPaddingMask: IvyArray.From(padding, n, s));
clock.Stop();
Console.WriteLine($"cross-attention: query (2, 3, 8), key/value (2, 6, 4) -> output {Shape(crossOut)} in {clock.Elapsed.TotalMilliseconds:F2} ms");
Console.WriteLine(crossOut);

static string Shape(IvyArray a) => "(" + string.Join(", ", a.Shape) + ")";
