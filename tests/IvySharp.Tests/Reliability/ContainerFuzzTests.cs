using IvySharp.Tests.Reliability.Fuzz;
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
    public void Nestable_calls_throw_only_named_argument_errors_change_nothing_and_match_the_reference_leaf_by_leaf() =>
        FuzzTally.Run(Cases, ContainerCalls.Run, _ => "", $"container fuzz: {Cases} cases", output);
}
