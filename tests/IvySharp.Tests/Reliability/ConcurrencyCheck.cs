using System.Collections.Concurrent;
using System.Globalization;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Reliability.Fuzz;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 3: many threads making mixed calls at once must get bit-identical results to
/// the same calls made one at a time. Used by <see cref="ConcurrencyTests"/> (small counts) and by
/// <c>tools/Fuzz --concurrency</c> (16 threads × 1,000 calls).
/// </summary>
/// <remarks>
/// A recipe is a seeded call (valid <see cref="RandomCalls"/>, some large enough for the kernels to go
/// parallel themselves, or a <see cref="HostileCalls"/> case, valid or not) pinned to a kernel variant and
/// a thread cap. Each call is built afresh from its seed (its @out may alias an input) except the "shared"
/// recipes, whose input arrays are built once and read by every thread at the same time. A call's result
/// is summarised by a 64-bit hash of its output and weights bits and shapes, or of its exception's type
/// and parameter name.
/// </remarks>
public static class ConcurrencyCheck
{
    /// <summary>Recipes whose one-at-a-time bits changed between before and after a concurrent phase in the last <see cref="Run"/> (JIT tier-up, see there), summed over its attempts.</summary>
    public static int TierChanges { get; private set; }

    /// <summary>Concurrent phases the last <see cref="Run"/> needed (one more per phase a tier-up fell into).</summary>
    public static int Attempts { get; private set; }

    public sealed record Recipe(int Index, string Kind, int Seed, DType DType, string Variant, int? Threads);

    /// <summary>The recipes: a mix of small valid calls, larger ones, hostile ones and shared-input ones, over every variant.</summary>
    public static Recipe[] Recipes(int count)
    {
        var variants = KernelVariants.Supported;
        DType[] dtypes = [DType.Float32, DType.Float64, DType.Float16];
        var recipes = new Recipe[count];
        for (int i = 0; i < count; i++)
        {
            string kind = (i % 10) switch { < 5 => "small", 5 or 6 => "hostile", 7 => "large", _ => "shared" };
            int? threads = (i % 3) switch { 0 => null, 1 => 1, _ => 2 };
            recipes[i] = new Recipe(i, kind, 7_000_000 + i, dtypes[i % 3], variants[(i / 3) % variants.Count], threads);
        }

        return recipes;
    }

    /// <summary>
    /// Runs the check; returns the mismatches (empty when every concurrent call matched its sequential twin).
    /// </summary>
    /// <remarks>
    /// A process's first calls run partly on ReadyToRun-precompiled framework code, and
    /// TensorPrimitives.Exp&lt;double&gt; there can differ by an ulp from the tier-1 code the JIT swaps in later, at
    /// a moment no test controls (a kernel issue, reported; <c>tools/Fuzz --determinism</c> shows it). A swap
    /// during the concurrent phase would pass for a concurrency bug, even mid-call (some heads' rows before it,
    /// some after). So each recipe runs one at a time before and after the concurrent phase; when any recipe's
    /// bits differ between the two, the swap happened in between and the whole check runs again (by then warm).
    /// </remarks>
    public static IReadOnlyList<string> Run(int threadCount, int callsPerThread, int recipeCount, out TimeSpan concurrentTime)
    {
        Recipe[] recipes = Recipes(recipeCount);
        var shared = new ConcurrentDictionary<int, MhaCall>();
        foreach (var recipe in recipes.Where(r => r.Kind == "shared")) shared[recipe.Index] = Build(recipe) with { Out = null };
        TierChanges = 0;
        for (Attempts = 1; ; Attempts++)
        {
            ulong[] before = recipes.Select(r => Execute(r, shared)).ToArray();
            var got = Concurrently(recipes, shared, threadCount, callsPerThread, out concurrentTime);
            ulong[] after = recipes.Select(r => Execute(r, shared)).ToArray();
            int changed = before.Zip(after).Count(p => p.First != p.Second);
            TierChanges += changed;
            if (changed > 0 && Attempts < 5) continue;
            if (changed > 0) return [$"one-at-a-time results kept changing over {Attempts} attempts ({changed} recipes in the last)"];

            var failures = new List<string>();
            for (int t = 0; t < threadCount; t++)
            {
                for (int c = 0; c < callsPerThread && failures.Count < 20; c++)
                {
                    var (index, hash) = got[t][c];
                    if (hash == before[index]) continue;
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"thread {t} call {c}: recipe {recipes[index]} gave hash {hash:x16}, one at a time {before[index]:x16}"));
                }
            }

            return failures;
        }
    }

    // Every thread waits at a barrier, then makes its calls in its own random order of recipes.
    private static (int Recipe, ulong Hash)[][] Concurrently(Recipe[] recipes, IReadOnlyDictionary<int, MhaCall> shared, int threadCount, int callsPerThread, out TimeSpan elapsed)
    {
        var got = new (int Recipe, ulong Hash)[threadCount][];
        using var start = new Barrier(threadCount);
        var workers = new Thread[threadCount];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int t = 0; t < threadCount; t++)
        {
            int id = t;
            got[id] = new (int, ulong)[callsPerThread];
            workers[t] = new Thread(() =>
            {
                var order = new Random(id);
                start.SignalAndWait();
                for (int c = 0; c < callsPerThread; c++)
                {
                    Recipe recipe = recipes[order.Next(recipes.Length)];
                    got[id][c] = (recipe.Index, Execute(recipe, shared));
                }
            });
            workers[t].Start();
        }

        foreach (var worker in workers) worker.Join();
        elapsed = clock.Elapsed;
        return got;
    }

    /// <summary>The call of a recipe, built from its seed.</summary>
    public static MhaCall Build(Recipe recipe) => recipe.Kind switch
    {
        "hostile" => FuzzRunner.Prepare(recipe.Seed).Call?.Call ?? RandomCalls.Create(recipe.Seed, recipe.DType),
        "large" => RandomCalls.Create(recipe.Seed, recipe.DType, new RandomCallOptions { MaxTokens = 40, MaxHeadWidth = 8, MaxBatch = 3 }),
        _ => RandomCalls.Create(recipe.Seed, recipe.DType),
    };

    /// <summary>Runs a recipe and hashes what came back.</summary>
    public static ulong Execute(Recipe recipe, IReadOnlyDictionary<int, MhaCall> shared)
    {
        MhaCall call = shared.TryGetValue(recipe.Index, out var reused) ? reused : Build(recipe);
        try
        {
            using (KernelVariants.Use(recipe.Variant, recipe.Threads))
            {
                var result = call.Invoke();
                ulong hash = Hash(14695981039346656037UL, result.Output);
                return result.Weights is null ? hash : Hash(hash, result.Weights);
            }
        }
        catch (ArgumentException ex)
        {
            return Mix(Mix(14695981039346656037UL, (ulong)ex.GetType().Name.GetHashCode(StringComparison.Ordinal)), (ulong)(ex.ParamName ?? "").GetHashCode(StringComparison.Ordinal));
        }
    }

    private static ulong Hash(ulong hash, IvyArray array)
    {
        foreach (int d in array.Shape) hash = Mix(hash, (ulong)d);
        hash = Mix(hash, (ulong)array.DType);
        foreach (double v in array.ToArray<double>()) hash = Mix(hash, (ulong)BitConverter.DoubleToInt64Bits(v));
        return hash;
    }

    // FNV-1a over 64-bit words.
    private static ulong Mix(ulong hash, ulong word) => (hash ^ word) * 1099511628211UL;
}
