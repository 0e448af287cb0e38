using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using IvySharp.Tests.Reliability;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;

namespace IvySharp.Fuzz;

/// <summary>The four long runs; each prints what it measured and returns the process exit code (1 on any failure).</summary>
internal static class Runs
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Hostile calls (FuzzRunner.RunOnVariants), counted by outcome.</summary>
    public static int Arguments(Options o)
    {
        var variants = KernelVariants.Supported;
        var counts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var failures = new ConcurrentQueue<(long Seed, FuzzOutcome Outcome)>();
        var slow = new ConcurrentQueue<(long Seed, double Ms)>();
        long failed = 0, done = 0;
        var clock = Stopwatch.StartNew();
        Console.WriteLine(string.Create(Invariant, $"arguments: {o.Cases:N0} cases from seed {o.FirstSeed} on {o.Parallel} worker(s)"));
        Parallel.For(0L, o.Cases, new ParallelOptions { MaxDegreeOfParallelism = o.Parallel }, i =>
        {
            int seed = unchecked((int)(o.FirstSeed + i));
            FuzzOutcome outcome;
            long started = Stopwatch.GetTimestamp();
            try
            {
                outcome = FuzzRunner.RunOnVariants(seed, variants);
            }
            catch (Exception ex)
            {
                outcome = new FuzzOutcome("harness-error", $"{ex.GetType().Name}: {ex.Message}");
            }

            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (ms > 50) slow.Enqueue((seed, ms));

            counts.AddOrUpdate(outcome.Kind, 1, (_, c) => c + 1);
            if (outcome.Failure is not null && Interlocked.Increment(ref failed) <= 10) failures.Enqueue((seed, outcome));
            long n = Interlocked.Increment(ref done);
            if (n % 100_000 == 0) Console.WriteLine(string.Create(Invariant, $"  {n:N0} cases, {clock.Elapsed.TotalSeconds:0} s, {Interlocked.Read(ref failed)} failures"));
        });

        Console.WriteLine(string.Create(Invariant, $"arguments: {o.Cases:N0} cases in {clock.Elapsed.TotalSeconds:0.0} s, {failed} failures; outcomes:"));
        foreach (var (kind, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal)) Console.WriteLine(string.Create(Invariant, $"  {kind,-32} {count,10:N0}"));
        long valid = counts.Where(c => c.Key.StartsWith("valid", StringComparison.Ordinal)).Sum(c => c.Value);
        long rejected = counts.Where(c => c.Key.StartsWith("rejected", StringComparison.Ordinal)).Sum(c => c.Value);
        long arrays = counts.Where(c => c.Key.StartsWith("array", StringComparison.Ordinal)).Sum(c => c.Value);
        Console.WriteLine(string.Create(Invariant, $"  totals: valid {valid:N0} (each on {variants.Count} variants), rejected {rejected:N0}, array constructions {arrays:N0}"));
        var slowest = slow.OrderByDescending(x => x.Ms).Take(5).ToList();
        Console.WriteLine(string.Create(Invariant, $"  {slow.Count} cases took over 50 ms (all variants together); slowest: {string.Join(", ", slowest.Select(x => $"seed {x.Seed} {x.Ms:0} ms"))}"));
        foreach (var (seed, outcome) in failures)
        {
            HostileCase again = HostileCalls.Create((int)seed);
            Console.WriteLine(string.Create(Invariant, $"FAIL seed {seed} [{outcome.Kind}]: {outcome.Failure}\n  {again.Call?.Describe() ?? again.Array!.ToString()}"));
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>Nestable (container) calls (ContainerCalls.Run), counted by outcome.</summary>
    public static int Containers(Options o)
    {
        var counts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var failures = new ConcurrentQueue<string>();
        long failed = 0;
        var clock = Stopwatch.StartNew();
        Parallel.For(0L, o.Cases, new ParallelOptions { MaxDegreeOfParallelism = o.Parallel }, i =>
        {
            FuzzOutcome outcome;
            try
            {
                outcome = ContainerCalls.Run(unchecked((int)(o.FirstSeed + i)));
            }
            catch (Exception ex)
            {
                outcome = new FuzzOutcome("harness-error", $"seed {o.FirstSeed + i}: {ex.GetType().Name}: {ex.Message}");
            }

            counts.AddOrUpdate(outcome.Kind, 1, (_, c) => c + 1);
            if (outcome.Failure is not null && Interlocked.Increment(ref failed) <= 10) failures.Enqueue(outcome.Failure);
        });

        Console.WriteLine(string.Create(Invariant, $"containers: {o.Cases:N0} cases from seed {o.FirstSeed} in {clock.Elapsed.TotalSeconds:0.0} s, {failed} failures; outcomes:"));
        foreach (var (kind, count) in counts.OrderBy(c => c.Key, StringComparer.Ordinal)) Console.WriteLine(string.Create(Invariant, $"  {kind,-32} {count,10:N0}"));
        foreach (string failure in failures) Console.WriteLine("FAIL " + failure);
        return failed == 0 ? 0 : 1;
    }

    /// <summary>T threads × C calls against the same recipes one at a time.</summary>
    public static int Concurrency(Options o)
    {
        var list = ConcurrencyCheck.Run(o.Threads, o.Calls, o.Recipes, out TimeSpan elapsed);
        Console.WriteLine(string.Create(Invariant,
            $"concurrency: {o.Threads} threads x {o.Calls:N0} calls over {o.Recipes} recipes in {elapsed.TotalSeconds:0.0} s: {list.Count} mismatches; {ConcurrencyCheck.Attempts} attempt(s), {ConcurrencyCheck.TierChanges} one-at-a-time results changed by JIT tier-up between attempts"));
        foreach (string line in list) Console.WriteLine("FAIL " + line);
        return list.Count == 0 ? 0 : 1;
    }

    /// <summary>C calls per typical workload and variant: bytes per call on the calling thread (threads pinned to 1) and process-wide (not pinned).</summary>
    public static int Memory(Options o)
    {
        int failures = 0;
        foreach (var workload in MemoryCheck.Typical().Append(ParallelSized()))
        {
            // The parallel-sized call costs ~5 ms: 2,000 of it say as much as 100,000 of the small ones.
            int calls = workload.Name.StartsWith("parallel", StringComparison.Ordinal) ? Math.Min(o.Calls, 2000) : o.Calls;
            foreach (string variant in KernelVariants.Supported)
            {
                MemoryCheck.BytesPerCall(workload.Call, variant, Math.Min(200, calls));
                int window = Math.Max(1, calls / 10);
                double[] windows = Enumerable.Range(0, 10).Select(_ => MemoryCheck.BytesPerCall(workload.Call, variant, window)).ToArray();
                double all = MemoryCheck.BytesPerCallAllThreads(workload.Call, variant, window);
                double early = windows.Take(3).Min(), late = windows.Skip(7).Min(), median = windows.Order().ElementAt(5);
                bool ok = late <= early + 32 && median <= workload.ResultBytes + MemoryTests.OverheadBudget;
                if (!ok) failures++;
                Console.WriteLine(string.Create(Invariant,
                    $"memory: {(ok ? "ok  " : "FAIL")} {variant,-9} {workload.Name}: {median:0} B/call pinned to 1 thread (10 windows of {window:N0}: min {windows.Min():0}, max {windows.Max():0}), {all:0} B/call all threads, results {workload.ResultBytes} B"));
            }
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// Whether a call's bits depend on how warm the process is: every concurrency recipe run once cold (first
    /// thing in the process), then again after the JIT has had time to replace precompiled code with tier-1 code.
    /// </summary>
    public static int Determinism()
    {
        var recipes = ConcurrencyCheck.Recipes(200);
        var none = new Dictionary<int, MhaCall>();
        ulong[] cold = recipes.Select(r => ConcurrencyCheck.Execute(r, none)).ToArray();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            foreach (var recipe in recipes) ConcurrencyCheck.Execute(recipe, none);
            Thread.Sleep(100);
        }

        ulong[] warm = recipes.Select(r => ConcurrencyCheck.Execute(r, none)).ToArray();
        var changed = recipes.Where(r => cold[r.Index] != warm[r.Index]).ToList();
        Console.WriteLine(string.Create(Invariant, $"determinism: {changed.Count} of {recipes.Length} recipes gave different bits cold and warm"));
        foreach (var recipe in changed) Console.WriteLine(string.Create(Invariant, $"  CHANGED {recipe}: cold {cold[recipe.Index]:x16}, warm {warm[recipe.Index]:x16}"));
        return changed.Count == 0 ? 0 : 1;
    }

    // A call big enough for the kernels to split work over the pool threads: what only the process-wide counter sees.
    private static MemoryCheck.Workload ParallelSized()
    {
        var r = new Random(9);
        IvyArray U(params int[] shape) => A.F(DType.Float32, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (2 * r.NextDouble()) - 1).ToArray(), shape);
        return new MemoryCheck.Workload("parallel-sized f32 N=4 L=S=128 E=64 H=8, packed projection, @out given",
            new MhaCall { Query = U(4, 128, 64), NumHeads = 8, InProjWeights = U(192, 64), Out = IvyArray.Zeros(DType.Float32, 4, 128, 64) }, 0);
    }
}
