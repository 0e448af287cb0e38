using System.Diagnostics;
using System.Globalization;
using System.Text;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// Runs seeds 0 … cases − 1 of a fuzz in the unit suite, logs the counts by outcome on one line, and asserts
/// that no case broke a property and that both valid and rejected calls made up more than a quarter each.
/// </summary>
public static class FuzzTally
{
    /// <param name="cases">How many seeds, from 0.</param>
    /// <param name="run">One case: its outcome.</param>
    /// <param name="describe">Extra text for a failed seed (the call, for reproduction).</param>
    /// <param name="label">The start of the logged line (e.g. "fuzz: 5000 hostile cases").</param>
    /// <param name="output">Where the line goes.</param>
    public static void Run(int cases, Func<int, FuzzOutcome> run, Func<int, string> describe, string label, ITestOutputHelper output)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new StringBuilder();
        int failed = 0;
        var clock = Stopwatch.StartNew();
        for (int seed = 0; seed < cases; seed++)
        {
            FuzzOutcome outcome;
            try
            {
                outcome = run(seed);
            }
            catch (Exception ex)
            {
                outcome = new FuzzOutcome("harness-error", $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            counts[outcome.Kind] = counts.GetValueOrDefault(outcome.Kind) + 1;
            if (outcome.Failure is not null && ++failed <= 5)
            {
                failures.Append(CultureInfo.InvariantCulture, $"seed {seed} [{outcome.Kind}]: {outcome.Failure}\n  {describe(seed)}\n");
            }
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"{label} in {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}"));
        Assert.True(failed == 0, $"{failed} of {cases} cases broke a property; the first ones:\n{failures}");
        Assert.True(counts.Where(c => c.Key.StartsWith("valid", StringComparison.Ordinal)).Sum(c => c.Value) > cases / 4, "too few valid calls");
        Assert.True(counts.Where(c => c.Key.StartsWith("rejected", StringComparison.Ordinal)).Sum(c => c.Value) > cases / 4, "too few rejected calls");
    }
}
