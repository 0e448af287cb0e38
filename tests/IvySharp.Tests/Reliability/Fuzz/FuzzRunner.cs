using System.Globalization;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// What one fuzz case did: its outcome class (for the counts) and why a property failed (null when none did).
/// </summary>
public readonly record struct FuzzOutcome(string Kind, string? Failure);

/// <summary>
/// Runs one <see cref="HostileCalls"/> case and checks the reliability properties:
/// <list type="bullet">
/// <item>the only exceptions are <see cref="ArgumentException"/> (or subclasses) with a non-empty
/// <see cref="ArgumentException.ParamName"/>, naming a rule the call breaks (<see cref="ContractOracle"/>);
/// a call the oracle finds valid must not throw, one it finds invalid must;</item>
/// <item>no input's memory changes (every backing array compared byte for byte, padding included), and
/// after an error neither does <c>@out</c>'s; after a valid call only @out's own elements changed;</item>
/// <item>valid calls match the float64 <see cref="ReferenceAttention"/> (computed on dense copies of the
/// values, never through the library's view reading) within <see cref="ErrorMetric"/>'s tolerances, with
/// the shapes the oracle predicts, and @out's memory, read through its strides by the test, holds the result.</item>
/// </list>
/// </summary>
public static class FuzzRunner
{
    /// <summary>
    /// The fuzz accepts float16/float32 results within this many times <see cref="ErrorMetric.Tolerance"/>.
    /// Its calls reach cancellation (outputs 10⁴ times smaller than their terms, from one-wide projections and
    /// broadcast rows) and logits of ~100 that the accuracy suite's distribution avoids; those cost float32 up
    /// to ~2·10⁻⁴ (measured over a million cases) while a wrong answer (a bad stride, mask or head split) is
    /// off by 10⁻² or more. The accuracy suite (RandomComparisonTests) holds the tight bound.
    /// </summary>
    public const double FloatSlack = 10;

    /// <summary>
    /// The same for float64, for the same reason: seed 1931707 (in the second million) cancels 10⁴-fold to an
    /// output of 4.6·10⁻⁵ and is off by 1.21·10⁻¹² relative, just past the accuracy suite's 10⁻¹²; a float32
    /// step anywhere would still be off by 10⁻⁸ or more.
    /// </summary>
    public const double DoubleSlack = 10;

    /// <summary>Largest valid call the generator keeps (oracle cost units, about multiply-adds): heavier ones are regenerated.</summary>
    public const double MaxCost = 2e6;

    /// <summary>
    /// Runs the case of <paramref name="seed"/> on variant <c>seed mod count</c> of <paramref name="variants"/>,
    /// and, when the call is valid, on every other one too (each run builds the case afresh: an aliased
    /// @out overwrites its input). Invalid calls run once: validation happens before a variant is involved.
    /// Returns the outcome and the first failure, with the variant it happened on.
    /// </summary>
    public static FuzzOutcome RunOnVariants(int seed, IReadOnlyList<string> variants)
    {
        string first = variants[(int)((uint)seed % (uint)variants.Count)];
        FuzzOutcome outcome = Run(seed, first);
        if (outcome.Failure is not null) return outcome with { Failure = $"on {first}: {outcome.Failure}" };
        if (!outcome.Kind.StartsWith("valid", StringComparison.Ordinal)) return outcome;
        foreach (string variant in variants)
        {
            if (variant == first) continue;
            FuzzOutcome again = Run(seed, variant);
            if (again.Failure is not null) return again with { Failure = $"on {variant}: {again.Failure}" };
            if (again.Kind != outcome.Kind) return again with { Failure = $"on {variant}: outcome {again.Kind}, on {first} {outcome.Kind}" };
        }

        return outcome;
    }

    /// <summary>Runs the case of <paramref name="seed"/> on <paramref name="variant"/>.</summary>
    public static FuzzOutcome Run(int seed, string variant)
    {
        var (construction, built, verdict) = Prepare(seed);
        return construction is not null ? RunArrayCase(construction) : RunCall(built!, verdict!, variant);
    }

    /// <summary>
    /// The case of <paramref name="seed"/>, built and judged. A call the oracle finds valid but heavier than
    /// <see cref="MaxCost"/> (huge empty dimensions that turned out to fit, e.g. S just under the limit with
    /// one query row) is replaced by the case of a derived seed: such calls are legal but take seconds each.
    /// </summary>
    public static (ArrayCase? Construction, HostileCall? Call, Verdict? Verdict) Prepare(int seed)
    {
        for (int attempt = 0; ; attempt++)
        {
            // A fixed mix, not HashCode (randomised per process): the same seed must give the same case everywhere.
            int derived = attempt == 0 ? seed : unchecked((seed * -1640531535) + (attempt * 40503) + 1);
            HostileCase hostile = HostileCalls.Create(derived);
            if (hostile.Array is { } construction) return (construction, null, null);
            var built = hostile.Call!.Build(new Random(~derived));
            Verdict verdict = ContractOracle.Judge(built.Call, built.OutOverlapsItself);
            if (!verdict.Valid || verdict.Cost <= MaxCost) return (null, built, verdict);
        }
    }

    private static FuzzOutcome RunCall(HostileCall built, Verdict verdict, string variant)
    {
        MhaCall call = built.Call;
        var before = built.Arrays.Values.Concat(built.Out is null ? [] : [built.Out])
            .Where(a => a.Backing is not null).Select(a => a.Backing!).Distinct()
            .Select(b => (Backing: b, Bytes: ArrayBuilder.Bytes(b))).ToList();

        ReferenceResult? expected = null;
        bool underflow = false;
        bool anythingToCompare = verdict.Valid && (!verdict.OutputShape!.Contains(0) || verdict.WeightsShape is { } ws && !ws.Contains(0));
        if (anythingToCompare)
        {
            MhaCall twin = built.Twin!;
            // E = 0: every score is an empty dot product, 0, whatever the scale; the library uses scale 1 where
            // the default 1/√d would be ∞ (∞·0 = NaN). The reference follows the contract literally, so it gets 1 too.
            if (twin.Scale is null && EmbedWidth(twin) == 0) twin = twin with { Scale = 1.0 };
            expected = ReferenceAttention.Compute(twin);

            // A NaN/∞ input where some weight is below float32's range in float64: float32 rounds that weight to
            // exactly 0, which then skips its ±∞ value (a 0 weight contributes nothing), while the reference's
            // tiny weight times ∞ is ∞. Which of the two a call gives depends on the precision, not on the library.
            if (built.Spec.Poison is not null && twin.Query.DType != DType.Float64
                && ReferenceAttention.Compute(twin with { ReturnAttentionWeights = true, AverageAttentionWeights = false }).Weights!.Any(w => w is > 0 and < 1e-30))
            {
                expected = null;
                underflow = true;
            }
        }

        MultiHeadAttentionResult result;
        try
        {
            using (KernelVariants.Use(variant))
            {
                result = call.Invoke(built.Spec.Instance ? Route.Instance : Route.Static);
            }
        }
        catch (Exception ex)
        {
            string? unchanged = Unchanged(before, null);
            if (ex is not ArgumentException argument) return Fail("threw", $"threw {ex.GetType().Name}: {ex.Message}");
            if (string.IsNullOrEmpty(argument.ParamName)) return Fail("threw", $"ArgumentException without ParamName: {ex.Message}");
            string kind = $"rejected:{argument.ParamName}";
            if (verdict.Valid) return Fail(kind, $"rejected a valid call: {ex.Message}");
            if (!verdict.Broken.Contains(argument.ParamName))
            {
                return Fail(kind, $"named '{argument.ParamName}' ({ex.Message}); the call breaks [{string.Join(", ", verdict.Reasons)}] naming {{{string.Join(", ", verdict.Broken)}}}");
            }

            return unchanged is null ? new FuzzOutcome(kind, null) : Fail(kind, unchanged);
        }

        if (!verdict.Valid) return Fail("accepted-invalid", $"accepted a call that breaks [{string.Join(", ", verdict.Reasons)}]");
        string label = underflow ? "valid-nonfinite-input-underflow" : built.Spec.Poison is not null ? "valid-nonfinite-input" : result.Output.Size == 0 ? "valid-empty" : "valid";
        if (Unchanged(before, built.Out) is { } changed) return Fail(label, changed);
        if (call.Out is not null && !ReferenceEquals(result.Output, call.Out)) return Fail(label, "the output is not the given @out");
        if (!result.Output.Shape.SequenceEqual(verdict.OutputShape!)) return Fail(label, $"output shape ({string.Join(", ", result.Output.Shape)}), expected ({string.Join(", ", verdict.OutputShape!)})");
        if ((result.Weights is null) != (verdict.WeightsShape is null)) return Fail(label, "weights returned or missing against returnAttentionWeights");
        if (result.Weights is not null && !result.Weights.Shape.SequenceEqual(verdict.WeightsShape!)) return Fail(label, $"weights shape ({string.Join(", ", result.Weights.Shape)}), expected ({string.Join(", ", verdict.WeightsShape!)})");

        DType compute = call.Query.DType;
        DType stored = call.Out?.DType ?? compute;
        if (result.Output.DType != stored) return Fail(label, $"output dtype {result.Output.DType}, expected {stored}");
        if (result.Weights is not null && result.Weights.DType != compute) return Fail(label, $"weights dtype {result.Weights.DType}, expected {compute}");
        double[] output = result.Output.ToArray<double>();

        // @out's memory, read through its strides by the test rather than the library.
        if (built.Out is { Backing: { } backing } target)
        {
            for (int i = 0; i < target.Map.Length; i++)
            {
                double inMemory = ArrayBuilder.Get(backing, target.Map[i]);
                if (BitConverter.DoubleToInt64Bits(inMemory) != BitConverter.DoubleToInt64Bits(output[i]) && !(double.IsNaN(inMemory) && double.IsNaN(output[i])))
                {
                    return Fail(label, $"@out element {i} in memory is {inMemory:R}, the returned output says {output[i]:R}");
                }
            }
        }

        if (expected is null) return new FuzzOutcome(label, null);

        // A float16 call's result is float16, also when @out has another dtype (it receives the float16 values
        // converted), so it is measured as float16.
        DType measured = compute == DType.Float16 ? DType.Float16 : stored;
        double slack = compute == DType.Float64 ? DoubleSlack : FloatSlack;
        double error = ErrorMetric.MaxRelativeError(output, expected.Output, measured, out int at);
        string? mismatch = error > slack * ErrorMetric.Tolerance(compute, stored)
            ? string.Create(CultureInfo.InvariantCulture, $"output error {error:0.00e+0} at {at}: got {output[at]:R}, expected {expected.Output[at]:R}")
            : null;
        if (mismatch is null && result.Weights is not null)
        {
            double[] weights = result.Weights.ToArray<double>();
            double weightsError = ErrorMetric.MaxRelativeError(weights, expected.Weights!, compute, out int w);
            if (weightsError > slack * ErrorMetric.Tolerance(compute))
            {
                mismatch = string.Create(CultureInfo.InvariantCulture, $"weights error {weightsError:0.00e+0} at {w}: got {weights[w]:R}, expected {expected.Weights![w]:R}");
            }
        }

        return mismatch is null ? new FuzzOutcome(label, null) : Fail(label, mismatch);
    }

    private static FuzzOutcome RunArrayCase(ArrayCase construction)
    {
        string[]? expected = construction.ExpectedErrors();
        IvyArray array;
        try
        {
            array = construction.Run();
        }
        catch (Exception ex)
        {
            if (ex is not ArgumentException argument) return Fail("array-threw", $"{construction}: threw {ex.GetType().Name}: {ex.Message}");
            string kind = $"array-rejected:{argument.ParamName}";
            if (expected is null) return Fail(kind, $"{construction}: rejected a valid construction: {ex.Message}");
            return expected.Contains(argument.ParamName) ? new FuzzOutcome(kind, null)
                : Fail(kind, $"{construction}: named '{argument.ParamName}', expected one of {{{string.Join(", ", expected)}}}: {ex.Message}");
        }

        if (expected is not null) return Fail("array-accepted-invalid", $"{construction}: accepted (expected an error naming {string.Join(" or ", expected)})");
        int[] shape = construction.ExpectedShape();
        long size = ArrayCase.Product(shape);
        if (!array.Shape.SequenceEqual(shape) || array.Size != size || array.Rank != shape.Length || array.DType != construction.ExpectedDType())
        {
            return Fail("array-ok", $"{construction}: got shape ({string.Join(", ", array.Shape)}) size {array.Size} rank {array.Rank} {array.DType}");
        }

        return new FuzzOutcome("array-ok", null);
    }

    // E of a valid call: the projections' rows, else the query's width.
    private static int EmbedWidth(MhaCall c) =>
        c.InProjWeights is { } w ? w.Shape[0] / 3 : c.QProjWeights is { } q ? q.Shape[0] : c.Query.Shape[^1];

    // Null when every backing array holds its bytes from before, except @out's own elements after a valid call.
    private static string? Unchanged(List<(Array Backing, byte[] Bytes)> before, BuiltArray? written)
    {
        var writable = written?.Backing is not null ? new HashSet<int>(written.Map) : null;
        foreach (var (backing, bytes) in before)
        {
            byte[] now = ArrayBuilder.Bytes(backing);
            if (now.AsSpan().SequenceEqual(bytes)) continue;
            int width = ArrayBuilder.ElementBytes(backing);
            for (int i = 0; i < backing.Length; i++)
            {
                bool same = now.AsSpan(i * width, width).SequenceEqual(bytes.AsSpan(i * width, width));
                if (!same && (writable is null || !ReferenceEquals(backing, written!.Backing) || !writable.Contains(i)))
                {
                    return $"memory changed at element {i} of a {backing.GetType().Name} of {backing.Length} (outside @out's elements)";
                }
            }
        }

        return null;
    }

    private static FuzzOutcome Fail(string kind, string why) => new(kind, why);
}
