using System.Globalization;

namespace IvySharp.SharpFuzz;

/// <summary>How one input ended.</summary>
internal enum Outcome
{
    /// <summary>Both paths threw the same ArgumentException (same ParamName); inputs and @out untouched.</summary>
    Rejected,

    /// <summary>Valid; the engine matched the plain path within tolerance.</summary>
    Compared,

    /// <summary>Valid; shapes and memory checked, values not compared (non-finite inputs or logits too large for the tolerance).</summary>
    NotCompared,
}

/// <summary>
/// The properties every input must keep; a broken one throws <see cref="PropertyViolation"/>:
/// only ArgumentException with a ParamName escapes; the engine and the plain path accept and reject the
/// same calls (same ParamName); no input changes (byte-exact), nor @out after a rejection; valid calls give
/// the same shapes on both paths and, when comparable, the same values within tolerance (NaN where NaN).
/// </summary>
internal static class Properties
{
    /// <summary>
    /// Compare values also for non-finite inputs and huge scales, where docs/reliability.md lists open
    /// engine deviations ("Open engine issues"); off by default so afl's crashes are new findings only.
    /// </summary>
    public static bool Strict { get; set; }

    /// <summary>Compare every valid call, whatever its values (for reproducing one input; expect rounding noise near overflow).</summary>
    public static bool CompareAll { get; set; }

    /// <summary>Logits (a bound from the input values) above this are not compared: float32 rounding alone costs u·|logit|.</summary>
    public const double MaxComparedLogit = 64;

    /// <summary>
    /// Calls with a finite input value above this are not compared: weighted sums and projections of values near
    /// a dtype's range overflow on one summation order and not the other (seen: float64 9.5e307 against ∞).
    /// </summary>
    public const double MaxComparedValue = 1e5;

    public static Outcome Check(FuzzCall call)
    {
        BuiltCall plainArgs = CallRunner.Build(call, aliasing: false);
        CallResult plain;
        using (KernelSwitch.Simple()) plain = CallRunner.Invoke(call, plainArgs, "plain path");
        BuiltCall engineArgs = CallRunner.Build(call, aliasing: true);
        CallResult engine = CallRunner.Invoke(call, engineArgs, $"engine ({KernelSwitch.Current})");

        Unchanged(plainArgs, plain.RejectedParam is null, "plain path");
        Unchanged(engineArgs, engine.RejectedParam is null, "engine");
        if (plain.RejectedParam != engine.RejectedParam)
        {
            throw new PropertyViolation(
                $"paths disagree on validity: plain path {Describe(plain)}, engine {Describe(engine)}");
        }

        if (engine.RejectedParam is not null) return Outcome.Rejected;
        Same("output shape", plain.OutputShape, engine.OutputShape);
        if ((plain.WeightsShape is null) != (engine.WeightsShape is null)) throw new PropertyViolation("one path returned weights, the other not");
        if (plain.WeightsShape is not null) Same("weights shape", plain.WeightsShape, engine.WeightsShape!);

        DType compute = call["query"]!.DType;
        bool comparable = CompareAll || call.MaxFinite <= MaxComparedValue && (Strict
            ? call.LogitBound <= MaxComparedLogit || compute == DType.Float64
            : !KnownIssueTerritory(call) && call.LogitBound <= MaxComparedLogit);
        if (!comparable) return Outcome.NotCompared;
        Close("output", engine.Output, plain.Output, compute, engine.OutputType, call.OutputTerms, NonFiniteOutputRows(call));
        if (plain.Weights is not null) Close("weights", engine.Weights!, plain.Weights, compute, compute, 1);
        return Outcome.Compared;
    }

    /// <summary>
    /// Where docs/reliability.md's open engine issues live: NaN/±∞ inputs (a float mask's −∞ excepted),
    /// |scale| ≥ 1e300, and products q·k that overflow before the scale is applied (the engine scales q
    /// first, the plain path the dot product; issue 5 and its mirror image, see docs/sharpfuzz.md).
    /// </summary>
    public static bool KnownIssueTerritory(FuzzCall call) =>
        !call.AllFinite || Math.Abs(call.Scale ?? 0) >= 1e300 || !(call.DotBound <= 1e30);

    /// <summary>
    /// Output features whose row of the out-projection holds NaN or ±∞, or null when none does. Such an output is NaN or
    /// ±∞ on both paths, and which depends on whether an attended value rounded to ±0 (0·∞ = NaN) or to a subnormal
    /// (±∞): the engine and the plain path sum the core in different orders (docs/sharpfuzz.md, 2026-12-06 run).
    /// </summary>
    private static bool[]? NonFiniteOutputRows(FuzzCall call)
    {
        if (call["outProjWeights"] is not { Shape.Length: 2 } weights) return null;
        int features = weights.Shape[0], depth = weights.Shape[1];
        bool[] rows = new bool[features];
        for (int o = 0; o < features; o++)
        {
            for (int c = 0; c < depth; c++) rows[o] |= !double.IsFinite(weights.Values[(o * depth) + c]);
        }

        return rows.Contains(true) ? rows : null;
    }

    private static string Describe(CallResult r) => r.RejectedParam is null ? "accepted" : $"rejected ({r.RejectedParam}: {r.Message})";

    /// <summary>No input's bytes changed; @out's only when the call succeeded.</summary>
    private static void Unchanged(BuiltCall b, bool succeeded, string path)
    {
        foreach ((string name, Array backing, byte[] before) in b.Memory)
        {
            if (succeeded && ReferenceEquals(backing, b.OutBacking)) continue;
            if (!before.AsSpan().SequenceEqual(CallRunner.Bytes(backing)))
            {
                throw new PropertyViolation($"{path}: {name} was modified by a call that {(succeeded ? "succeeded" : "was rejected")}");
            }
        }
    }

    private static void Same(string what, int[] plain, int[] engine)
    {
        if (!plain.SequenceEqual(engine))
        {
            throw new PropertyViolation($"{what}: plain path ({string.Join(", ", plain)}), engine ({string.Join(", ", engine)})");
        }
    }

    /// <summary>
    /// |a − e| / max(|e|, 1e-2·max|e|, floor) within the dtype's tolerance; non-finite values must match exactly.
    /// Tolerance 1e-10 float64, 1e-4 float32, 2e-3 when float16 computes or stores (two float32 results one
    /// rounding apart can land one float16 ulp, ~1e-3, apart). The floor lets a result that cancels to ~0 be
    /// off by tolerance·floor = a few ulps of its terms (<paramref name="terms"/>): 1e-5·terms float64
    /// (1e-15·terms, ~5 ulps), 1e-2·terms float32 (1e-6, ~8 ulps), 2⁻¹⁴ at least for float16. Elements whose output
    /// feature (the last dimension) is flagged in eitherNonFinite need only be non-finite on both paths.
    /// </summary>
    private static void Close(string what, double[] actual, double[] expected, DType compute, DType stored, double terms, bool[]? eitherNonFinite = null)
    {
        bool half = compute == DType.Float16 || stored == DType.Float16;
        bool single = compute == DType.Float32 || stored == DType.Float32;
        double tolerance = half ? 2e-3 : single ? 1e-4 : 1e-10;
        double floor = half ? Math.Max(6.103515625e-5, 1e-2 * terms) : single ? 1e-2 * terms : 1e-5 * terms;
        double scale = expected.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        floor = Math.Max(floor, 1e-2 * scale);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i], e = expected[i];
            bool ok = eitherNonFinite is not null && eitherNonFinite[i % eitherNonFinite.Length]
                ? !double.IsFinite(a) && !double.IsFinite(e)
                : double.IsFinite(a) && double.IsFinite(e)
                ? Math.Abs(a - e) / Math.Max(Math.Abs(e), floor) <= tolerance
                : (double.IsNaN(a) && double.IsNaN(e)) || a == e;
            if (!ok)
            {
                throw new PropertyViolation(string.Create(CultureInfo.InvariantCulture,
                    $"{what}[{i}]: engine {a:R}, plain path {e:R} (tolerance {tolerance:G2}, floor {floor:G3})"));
            }
        }
    }
}
