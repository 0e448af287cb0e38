// Consumer check: run.sh compiles this file in a fresh `dotnet new console` app that installs the packed
// IvySharp from a local folder feed, so it sees exactly what a user of the package sees. It is not part
// of the solution. Expected numbers never come from the library: cases 1 and 2 are worked out by hand,
// case 3 is a float64 computation in plain loops below. Exit code 0 when every case matches.
using IvySharp;

int failures = 0;

// 1. By hand. One head, no projections, default scale 1/√2. Query [1, 0] over keys [1, 0] and [0, 1]
//    scores 1/√2 and 0, so with values [10, 0] and [0, 10] the output is
//    [10·σ(1/√2), 10·σ(−1/√2)] = [6.697615493266569, 3.302384506733431].
{
    IvyArray q = IvyArray.From(new float[] { 1, 0 }, 1, 1, 2);
    IvyArray k = IvyArray.From(new float[] { 1, 0, 0, 1 }, 1, 2, 2);
    IvyArray v = IvyArray.From(new float[] { 10, 0, 0, 10 }, 1, 2, 2);
    IvyArray y = Ivy.MultiHeadAttention(q, k, v, numHeads: 1);
    Check("by hand: softmax of two scores", y.ToArray<float>(), [6.697615493266569, 3.302384506733431], 1e-5);
}

// 2. By hand. Two heads of width 1, no projections: every key is identical, so each head weights
//    the three values equally and the output is the column mean of the values, per sample
//    (sample 0: mean of [1,2],[3,4],[5,8] = [3, 14/3]; sample 1: mean of [0,0],[6,3],[0,0] = [2, 1]).
{
    IvyArray q = IvyArray.From(new float[] { 0.5f, -2, 3, 1 }, 2, 1, 2);
    IvyArray k = IvyArray.From(new float[] { 1, 1, 1, 1, 1, 1, -1, 2, -1, 2, -1, 2 }, 2, 3, 2);
    IvyArray v = IvyArray.From(new float[] { 1, 2, 3, 4, 5, 8, 0, 0, 6, 3, 0, 0 }, 2, 3, 2);
    IvyArray y = Ivy.MultiHeadAttention(q, k, v, numHeads: 2);
    Check("by hand: identical keys give the mean", y.ToArray<float>(), [3, 14.0 / 3, 2, 1], 1e-5);
}

// 3. The README's kind of call: (N, L, E) = (2, 5, 8), 2 heads, packed input projection with bias,
//    output projection with bias, causal self-attention; against a float64 computation in plain loops.
{
    const int n = 2, l = 5, e = 8, h = 2, d = e / h;
    float[] x = Data(n * l * e, 1), wIn = Data(3 * e * e, 2), bIn = Data(3 * e, 3), wOut = Data(e * e, 4), bOut = Data(e, 5);
    IvyArray y = Ivy.MultiHeadAttention(
        IvyArray.From(x, n, l, e), numHeads: h,
        inProjWeights: IvyArray.From(wIn, 3 * e, e), inProjBias: IvyArray.From(bIn, 3 * e),
        outProjWeights: IvyArray.From(wOut, e, e), outProjBias: IvyArray.From(bOut, e), isCausal: true);

    var expected = new double[n * l * e];
    for (int b = 0; b < n; b++)
    {
        // Project: part 0 = q, 1 = k, 2 = v; row t of part p is W[p·E .. p·E+E) · x_t + bias.
        var proj = new double[3, l, e];
        for (int p = 0; p < 3; p++)
            for (int t = 0; t < l; t++)
                for (int o = 0; o < e; o++)
                {
                    double s = bIn[p * e + o];
                    for (int c = 0; c < e; c++) s += (double)wIn[(p * e + o) * e + c] * x[(b * l + t) * e + c];
                    proj[p, t, o] = s;
                }
        var attended = new double[l, e];
        for (int head = 0; head < h; head++)
            for (int i = 0; i < l; i++)
            {
                var w = new double[i + 1];   // causal: query i sees keys 0..i
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int c = 0; c < d; c++) s += proj[0, i, head * d + c] * proj[1, j, head * d + c];
                    w[j] = s / Math.Sqrt(d);
                    max = Math.Max(max, w[j]);
                }
                for (int j = 0; j <= i; j++) sum += w[j] = Math.Exp(w[j] - max);
                for (int c = 0; c < d; c++)
                    for (int j = 0; j <= i; j++) attended[i, head * d + c] += w[j] / sum * proj[2, j, head * d + c];
            }
        for (int i = 0; i < l; i++)
            for (int o = 0; o < e; o++)
            {
                double s = bOut[o];
                for (int c = 0; c < e; c++) s += (double)wOut[o * e + c] * attended[i, c];
                expected[(b * l + i) * e + o] = s;
            }
    }
    Check("float64 loops: causal, packed projections, 2 heads", y.ToArray<float>(), expected, 1e-5);
}

Console.WriteLine(failures == 0 ? "consumer check: all cases match" : $"consumer check: {failures} case(s) differ");
return failures == 0 ? 0 : 1;

// Values in [-1, 1) on a 1/64 grid (exact in float and double) from a small LCG, so the reference
// and the library read the same numbers.
static float[] Data(int count, uint seed)
{
    var data = new float[count];
    for (int i = 0; i < count; i++)
    {
        seed = seed * 1664525 + 1013904223;
        data[i] = ((int)(seed >> 25) - 64) / 64f;
    }
    return data;
}

void Check(string name, float[] actual, double[] expected, double tolerance)
{
    double worst = actual.Length == expected.Length ? 0 : double.PositiveInfinity;
    for (int i = 0; i < Math.Min(actual.Length, expected.Length); i++)
        worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
    bool ok = worst <= tolerance;   // false for NaN too
    if (!ok) failures++;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: {actual.Length} values, max |a-e|/max(1,|e|) = {worst:E2} (tolerance {tolerance:E0})");
}
