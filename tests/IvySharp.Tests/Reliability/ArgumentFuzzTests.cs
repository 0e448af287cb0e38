using System.Diagnostics;
using System.Globalization;
using System.Text;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 1: seeded hostile calls (<see cref="HostileCalls"/>) checked by
/// <see cref="FuzzRunner"/>. The unit suite runs <see cref="Cases"/> cases; <c>tools/Fuzz</c> runs a million.
/// Containers are not fuzzed here: <c>Container</c> is another engineer's work in progress.
/// </summary>
public sealed class ArgumentFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases in the unit suite: 5,000 (about 10 s on two shared cores, all variants).</summary>
    public const int Cases = 5000;

    /// <summary>
    /// Invalid calls run on one kernel variant, taking turns (validation does not involve the variant);
    /// valid calls run on every supported variant (<see cref="FuzzRunner.RunOnVariants"/>), NaN/∞ inputs and
    /// extreme scales included: every variant must match the float64 reference.
    /// </summary>
    [Fact]
    public void Hostile_calls_throw_only_named_argument_errors_change_nothing_and_valid_ones_match_the_reference()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new StringBuilder();
        int failed = 0;
        var variants = KernelVariants.Supported;
        var clock = Stopwatch.StartNew();
        for (int seed = 0; seed < Cases; seed++)
        {
            FuzzOutcome outcome;
            try
            {
                outcome = FuzzRunner.RunOnVariants(seed, variants);
            }
            catch (Exception ex)
            {
                outcome = new FuzzOutcome("harness-error", $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            counts[outcome.Kind] = counts.GetValueOrDefault(outcome.Kind) + 1;
            if (outcome.Failure is null) continue;
            failed++;
            if (failed <= 5)
            {
                HostileCase again = HostileCalls.Create(seed);
                failures.Append(CultureInfo.InvariantCulture, $"seed {seed} [{outcome.Kind}]: {outcome.Failure}\n  {again.Call?.Describe() ?? again.Array!.ToString()}\n");
            }
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"fuzz: {Cases} hostile cases in {clock.Elapsed.TotalSeconds:0.0} s over variants [{string.Join(", ", variants)}]: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}"));
        Assert.True(failed == 0, $"{failed} of {Cases} cases broke a property; the first ones:\n{failures}");
        Assert.True(counts.Where(c => c.Key.StartsWith("valid", StringComparison.Ordinal)).Sum(c => c.Value) > Cases / 4, "too few valid calls");
        Assert.True(counts.Where(c => c.Key.StartsWith("rejected", StringComparison.Ordinal)).Sum(c => c.Value) > Cases / 4, "too few rejected calls");
    }
}
