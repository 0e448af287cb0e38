using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reliability;

/// <summary>Issue "Reliability" part 3: concurrent calls, and the library's static mutable state.</summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    /// <summary>
    /// Every static field in the library that is not a constant or a read-only primitive/enum/string, with the
    /// reason it may exist. A new one fails <see cref="Static_mutable_state_is_the_documented_list"/> until it is
    /// added here (and to docs/reliability.md) with its reason.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AllowedStaticState = new Dictionary<string, string>
    {
        ["IvySharp.Ivy.s_maxDegreeOfParallelism"] =
            "the user's process-wide thread cap (Ivy.MaxDegreeOfParallelism), like torch.set_num_threads; Volatile reads and writes, read once per call; results do not depend on it",
        ["IvySharp.Kernels.KernelSelector.s_variantOverride"] =
            "AsyncLocal: a test's pinned kernel variant, visible only to its own logical flow",
        ["IvySharp.Kernels.KernelSelector.s_threadsOverride"] =
            "AsyncLocal: a test's pinned thread cap, visible only to its own logical flow",
        ["IvySharp.Kernels.KernelSelector.s_best"] =
            "read-only: the widest variant this processor supports, computed once (an immutable record struct)",
        ["IvySharp.Kernels.KernelSelector.s_default"] =
            "read-only: the variant IVYSHARP_KERNEL names (or the best), read once per process",
        ["IvySharp.Kernels.KernelVariant.Simple"] = "read-only named variant (an immutable record struct)",
        ["IvySharp.Kernels.KernelVariant.Scalar"] = "read-only named variant (an immutable record struct)",
        ["IvySharp.Kernels.KernelVariant.Vector128"] = "read-only named variant (an immutable record struct)",
        ["IvySharp.Kernels.KernelVariant.Vector256"] = "read-only named variant (an immutable record struct)",
        ["IvySharp.Kernels.KernelVariant.Vector512"] = "read-only named variant (an immutable record struct)",
        ["IvySharp.Kernels.KernelVariant.<All>k__BackingField"] = "the registry: a read-only list of the named variants, never written",
        ["IvySharp.Kernels.KernelVariant.<ByPriority>k__BackingField"] = "the registry in priority order: a read-only list, never written",
        ["IvySharp.Kernels.Backends.CpuBackend.s_all"] = "one immutable backend per named variant, created once, never written",
        ["IvySharp.Devices.s_providers"] =
            "the device kinds packages registered (IvySharp.Gpu's gpu): an immutable array replaced whole under s_gate, read through a volatile field; host-only calls never read it",
        ["IvySharp.Devices.s_gate"] = "the lock serialising provider registration (never taken by a call)",
        ["IvySharp.Kernels.Flash.FlashCore`4+Workspace.t_spare"] =
            "[ThreadStatic] a thread's spare scratch between work items (saves a pool rent per item); taken (the slot "
            + "nulled) while an item runs, so a nested item on the same thread gets its own; never shared between "
            + "threads; kept for the thread's life (grown to the largest tile it met)",
        ["IvySharp.Kernels.Flash.FlashCore`4+Workspace.t_secondSpare"] =
            "[ThreadStatic] the second spare, for paired blocks; as t_spare",
        ["IvySharp.Internal.FanOut.s_offer"] =
            "the one parallel call offering a seat to a worker spinning after its own tasks: set and cleared with "
            + "Interlocked.CompareExchange (taken by one worker, or withdrawn by its caller before it waits), so it never "
            + "outlives the call",
        ["IvySharp.Internal.FanOut.s_spinningHelpers"] =
            "Interlocked count of workers spinning for an offer; a call offers only when it is above zero",
        ["IvySharp.Internal.FanOut`1.s_workInContext"] =
            "read-only: the one static callback a worker runs its tasks through in the caller's captured context, never written",
        ["IvySharp.Kernels.Pipeline.CoreProblem`1.s_spare"] =
            "one idle attention-core problem per compute type, reused by the next call: taken with Interlocked.Exchange "
            + "(two calls never share one) and put back, its references cleared, when the call's core and repair are done",
        ["IvySharp.Internal.FanOut`1.s_spare"] =
            "one idle fan-out per item type, reused by the next parallel call: taken with Interlocked.Exchange (so two calls "
            + "never share one) and put back, cleared, by the last thread that holds it (a reference count of the caller "
            + "and its queued workers)",
        ["IvySharp.Kernels.Gemm.GemmRowBuffer`1.t_buffer"] =
            "[ThreadStatic] a thread's pinned buffer for packed rows of A, grown on demand and kept across calls; never "
            + "shared between threads; used without nesting inside one GEMM item; keeps the largest size per thread, pinned",
        ["IvySharp.Kernels.Gemm.GemmRowBuffer`1.t_panel"] =
            "[ThreadStatic] a thread's pinned buffer for one packed k block of a W panel on the per-call path (at most a k "
            + "block × a panel's width: 384 KB for float), grown on demand and kept; never shared between threads; used "
            + "without nesting inside one GEMM item",
    };

    private const int Threads = 16, CallsPerThread = 1000, Recipes = 200;

    /// <summary>
    /// 16 threads start together (a barrier) and make 1,000 calls each, drawn from 200 recipes (small and large
    /// valid calls, hostile ones that throw, and calls whose input arrays all threads share), each pinned to a
    /// kernel variant and thread cap; every result hashes the same bits as the same recipe made alone (a phase
    /// that a JIT tier-up fell into is run again: see <see cref="ConcurrencyCheck.Run"/>). About 3 s on two cores, so the unit
    /// suite runs the issue's full 16 × 1,000; <c>tools/Fuzz --concurrency --calls N</c> runs longer.
    /// </summary>
    [Fact]
    public void Sixteen_threads_of_mixed_calls_give_the_bits_of_the_same_calls_made_one_at_a_time()
    {
        var failures = ConcurrencyCheck.Run(Threads, CallsPerThread, Recipes, out TimeSpan elapsed);
        AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
            $"concurrency: {Threads} threads x {CallsPerThread} calls over {Recipes} recipes and variants [{string.Join(", ", KernelVariants.Supported)}] in {elapsed.TotalSeconds:0.0} s: {failures.Count} mismatches; {ConcurrencyCheck.Attempts} attempt(s), {ConcurrencyCheck.TierChanges} one-at-a-time results changed by JIT tier-up between attempts"));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// Reflection over every type of the library (generic and nested ones included, compiler-generated
    /// lambda caches excluded: they hold immutable delegates): the static fields that can change, or that
    /// point at something that can, are exactly <see cref="AllowedStaticState"/>.
    /// </summary>
    [Fact]
    public void Static_mutable_state_is_the_documented_list()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in typeof(IvyArray).Assembly.GetTypes())
        {
            if (type.IsDefined(typeof(CompilerGeneratedAttribute)) || type.Name.StartsWith('<')) continue;
            foreach (FieldInfo field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.IsLiteral) continue;
                bool immutable = field.IsInitOnly && (field.FieldType.IsPrimitive || field.FieldType.IsEnum || field.FieldType == typeof(string));
                if (!immutable) found.Add($"{type.FullName}.{field.Name}");
            }
        }

        foreach (string name in found)
        {
            output.WriteLine($"{name}: {AllowedStaticState.GetValueOrDefault(name, "(no reason given)")}");
        }

        Assert.Equal(AllowedStaticState.Keys.Order(StringComparer.Ordinal), found);
    }
}
