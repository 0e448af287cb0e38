using IvySharp.Tests.Reliability.Fuzz;
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
        var variants = KernelVariants.Supported;
        FuzzTally.Run(
            Cases,
            seed => FuzzRunner.RunOnVariants(seed, variants),
            seed => HostileCalls.Create(seed) is var again && again.Call is not null ? again.Call.Describe() : again.Array!.ToString(),
            $"fuzz: {Cases} hostile cases over variants [{string.Join(", ", variants)}]",
            output);
    }
}
