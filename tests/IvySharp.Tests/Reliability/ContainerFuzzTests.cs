using System.Diagnostics;
using System.Globalization;
using System.Text;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 1 for containers: seeded nestable calls (<see cref="ContainerCalls"/>) with
/// mismatched structure, a wrong-shaped leaf or a key chain that selects nothing, next to valid ones.
/// The only exceptions are <see cref="ArgumentException"/>s with a <c>ParamName</c>; nothing an argument
/// holds changes (nor <c>@out</c> after an error); every leaf of a valid call matches the float64 reference.
/// <c>tools/Fuzz -- --containers</c> runs more.
/// </summary>
public sealed class ContainerFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases in the unit suite (about 3 s).</summary>
    public const int Cases = 5000;

    [Fact]
    public void Nestable_calls_throw_only_named_argument_errors_change_nothing_and_match_the_reference_leaf_by_leaf()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new StringBuilder();
        int failed = 0;
        var clock = Stopwatch.StartNew();
        for (int seed = 0; seed < Cases; seed++)
        {
            FuzzOutcome outcome = ContainerCalls.Run(seed);
            counts[outcome.Kind] = counts.GetValueOrDefault(outcome.Kind) + 1;
            if (outcome.Failure is not null && ++failed <= 5) failures.AppendLine(outcome.Failure);
        }

        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"container fuzz: {Cases} cases in {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))}"));
        Assert.True(failed == 0, $"{failed} of {Cases} cases broke a property; the first ones:\n{failures}");
        Assert.True(counts.Where(c => c.Key.StartsWith("valid", StringComparison.Ordinal)).Sum(c => c.Value) > Cases / 4, "too few valid calls");
        Assert.True(counts.Where(c => c.Key.StartsWith("rejected", StringComparison.Ordinal)).Sum(c => c.Value) > Cases / 4, "too few rejected calls");
    }
}
