using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 2: NaN and +∞ in inputs propagate as IEEE arithmetic does, and only to the rows
/// they touch. A poisoned call is compared with the clean one: rows the poison cannot reach must keep their
/// bits exactly; rows it reaches are NaN (or, for ±∞, whatever the float64 reference's IEEE arithmetic gives).
/// </summary>
/// <remarks>
/// The call: N = 2, L = S = 5, E = 4, H = 2, packed input projection (so one poisoned input feature reaches
/// every head), an output projection (so one poisoned head reaches every output feature), causal unless said
/// otherwise (so key j is seen by queries i ≥ j only), weights per head.
/// </remarks>
public sealed class NonFinitePropagationTests
{
    private const int N = 2, L = 5, S = 5, E = 4, H = 2, O = 3;

    public static TheoryData<string, DType> Cases() => EdgeSemanticsTests.Cases();

    /// <summary>A NaN in query row i of sample n: output row (n, i) and its weights are NaN; every other row keeps its bits.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Nan_in_a_query_row_reaches_that_row_only(string variant, DType dtype)
    {
        var (clean, poisoned) = Run(variant, dtype, "query", sample: 1, token: 2, double.NaN, causal: false);
        AssertRows(clean, poisoned, (n, i) => n == 1 && i == 2, touchedAreNan: true, weightsTouched: (n, i) => n == 1 && i == 2);
    }

    /// <summary>A NaN in visible key j of sample n reaches every row of n that sees j (causal: i ≥ j), nothing else.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Nan_in_a_key_reaches_the_rows_that_see_it(string variant, DType dtype)
    {
        var (clean, poisoned) = Run(variant, dtype, "key", sample: 0, token: 2, double.NaN, causal: true);
        AssertRows(clean, poisoned, (n, i) => n == 0 && i >= 2, touchedAreNan: true, weightsTouched: (n, i) => n == 0 && i >= 2);
    }

    /// <summary>A NaN in value row j reaches the outputs of the rows that see j; the weights do not depend on values and keep every bit.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Nan_in_a_value_reaches_the_outputs_of_the_rows_that_see_it(string variant, DType dtype)
    {
        var (clean, poisoned) = Run(variant, dtype, "value", sample: 1, token: 3, double.NaN, causal: true);
        AssertRows(clean, poisoned, (n, i) => n == 1 && i >= 3, touchedAreNan: true, weightsTouched: (_, _) => false);
    }

    /// <summary>NaN and ±∞ in a key and value row that a bool key-padding mask masks out change nothing.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Non_finite_values_in_a_masked_key_change_nothing(string variant, DType dtype)
    {
        bool[] padding = [false, false, false, true, false, false, false, false, false, false];
        foreach (double poison in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var (clean, poisoned) = Run(variant, dtype, "key+value", sample: 0, token: 3, poison, causal: false, padding);
            AssertRows(clean, poisoned, (_, _) => false, touchedAreNan: true, weightsTouched: (_, _) => false);
        }
    }

    /// <summary>A NaN in a float attention-mask entry (i, j) of an (L, S) mask reaches row i of every sample, and only it.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void Nan_in_a_float_mask_entry_reaches_its_query_row_in_every_sample(string variant, DType dtype)
    {
        var (clean, poisoned) = Run(variant, dtype, "attentionMask", sample: 0, token: 3, double.NaN, causal: false);
        AssertRows(clean, poisoned, (_, i) => i == 3, touchedAreNan: true, weightsTouched: (_, i) => i == 3);
    }

    /// <summary>
    /// +∞ in a query or key row: rows it cannot reach keep their bits; rows it reaches hold what the float64
    /// reference's IEEE arithmetic gives (NaN where ∞ − ∞ arises, a finite row where an −∞ logit just drops a key).
    /// </summary>
    [Theory, MemberData(nameof(Cases))]
    public void Infinity_reaches_only_the_rows_it_touches_and_follows_ieee_there(string variant, DType dtype)
    {
        foreach (string input in (string[])["query", "key"])
        {
            var (clean, poisoned) = Run(variant, dtype, input, sample: 1, token: 1, double.PositiveInfinity, causal: true);
            Func<int, int, bool> touched = input == "query" ? (n, i) => n == 1 && i == 1 : (n, i) => n == 1 && i >= 1;
            AssertRows(clean, poisoned, touched, touchedAreNan: false, weightsTouched: touched);
            double[] expected = ReferenceAttention.Compute(poisoned.Call).Output;
            for (int n = 0; n < N; n++)
            {
                for (int i = 0; i < L; i++)
                {
                    if (!touched(n, i)) continue;
                    for (int f = 0; f < O; f++)
                    {
                        double got = poisoned.Output[(((n * L) + i) * O) + f], want = expected[(((n * L) + i) * O) + f];
                        Assert.True(double.IsNaN(got) ? double.IsNaN(want) : !double.IsFinite(want) ? got == want : double.IsFinite(got),
                            $"{input} +∞, row ({n}, {i}) feature {f}: got {got}, the reference {want}");
                    }
                }
            }
        }
    }

    private sealed record Outcome(MhaCall Call, double[] Output, double[] Weights);

    private static (Outcome Clean, Outcome Poisoned) Run(
        string variant, DType dtype, string target, int sample, int token, double poison, bool causal, bool[]? padding = null)
    {
        var r = new Random(11);
        IvyArray U(params int[] shape) => EdgeSemanticsTests.U(r, dtype, shape);
        var call = new MhaCall
        {
            Query = U(N, L, E), Key = U(N, S, E), Value = U(N, S, E), NumHeads = H,
            InProjWeights = U(3 * E, E), InProjBias = U(3 * E), OutProjWeights = U(O, E), OutProjBias = U(O),
            AttentionMask = target == "attentionMask" ? A.F(DType.Float32, Enumerable.Range(0, L * S).Select(_ => r.NextDouble() - 0.5).ToArray(), L, S) : null,
            KeyPaddingMask = padding is null ? null : A.B(padding, N, S),
            IsCausal = causal, ReturnAttentionWeights = true, AverageAttentionWeights = false,
        };
        MhaCall poisoned = target switch
        {
            "query" => call with { Query = Poison(call.Query, sample, token, poison, wholeRow: false) },
            "key" => call with { Key = Poison(call.Key!, sample, token, poison, wholeRow: false) },
            "value" => call with { Value = Poison(call.Value!, sample, token, poison, wholeRow: false) },
            "key+value" => call with { Key = Poison(call.Key!, sample, token, poison, wholeRow: true), Value = Poison(call.Value!, sample, token, poison, wholeRow: true) },
            _ => call with { AttentionMask = PoisonMask(call.AttentionMask!, token, poison) },
        };
        using (KernelVariants.Use(variant))
        {
            var a = call.Invoke();
            var b = poisoned.Invoke();
            return (new Outcome(call, A.D(a.Output), A.D(a.Weights!)), new Outcome(poisoned, A.D(b.Output), A.D(b.Weights!)));
        }
    }

    // One feature (or the whole row) of token t of sample n, in a batch-first (N, T, F) input.
    private static IvyArray Poison(IvyArray input, int n, int t, double value, bool wholeRow)
    {
        double[] data = A.D(input);
        int features = input.Shape[2], row = (n * input.Shape[1]) + t;
        for (int f = 0; f < (wholeRow ? features : 1); f++) data[(row * features) + f + (wholeRow ? 0 : 1)] = value;
        return A.F(input.DType, data, input.Shape);
    }

    private static IvyArray PoisonMask(IvyArray mask, int i, double value)
    {
        double[] data = A.D(mask);
        data[i * S] = value;
        return A.F(mask.DType, data, mask.Shape);
    }

    private static void AssertRows(Outcome clean, Outcome poisoned, Func<int, int, bool> touched, bool touchedAreNan, Func<int, int, bool> weightsTouched)
    {
        for (int n = 0; n < N; n++)
        {
            for (int i = 0; i < L; i++)
            {
                for (int f = 0; f < O; f++)
                {
                    int at = (((n * L) + i) * O) + f;
                    if (!touched(n, i)) Assert.True(Same(clean.Output[at], poisoned.Output[at]), $"output row ({n}, {i}) changed: {clean.Output[at]:R} -> {poisoned.Output[at]:R}");
                    else if (touchedAreNan) Assert.True(double.IsNaN(poisoned.Output[at]), $"output row ({n}, {i}) feature {f} is {poisoned.Output[at]}, not NaN");
                }

                for (int h = 0; h < H; h++)
                {
                    for (int j = 0; j < S; j++)
                    {
                        int at = (((((n * H) + h) * L) + i) * S) + j;
                        if (!weightsTouched(n, i)) Assert.True(Same(clean.Weights[at], poisoned.Weights[at]), $"weights ({n}, {h}, {i}, {j}) changed: {clean.Weights[at]:R} -> {poisoned.Weights[at]:R}");
                        else if (touchedAreNan && !(poisoned.Call.IsCausal && j > i)) Assert.True(double.IsNaN(poisoned.Weights[at]), $"weights ({n}, {h}, {i}, {j}) is {poisoned.Weights[at]}, not NaN");
                    }
                }
            }
        }
    }

    private static bool Same(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);
}
