namespace IvySharp.Internal;

/// <summary>
/// The one threading policy every kernel uses: split a call into independent items (batch × heads ×
/// query blocks, key chunks, or rows), run them on the thread pool only when there is enough work to pay
/// for it, in tasks of at least <see cref="MinTaskFlops"/>, never more than
/// <see cref="Ivy.MaxDegreeOfParallelism"/> at once (or the count pinned by <c>KernelSelector.Use</c>).
/// Each item computes the same bits whichever thread runs it, and how a call is cut into items never
/// depends on the thread count, so results never do either.
/// </summary>
internal static class ParallelPolicy
{
    /// <summary>Below this many flops in a call, scheduling costs more than it saves: run on the caller's thread.</summary>
    public const long MinParallelFlops = 1L << 18;

    /// <summary>
    /// The least work one task gets (about 10 µs at this machine's speed): consecutive items are grouped
    /// until they reach it, so tiny items don't pay one scheduling round each.
    /// </summary>
    public const long MinTaskFlops = 1L << 20;

    /// <summary>The degree of parallelism in force now: the pinned or user's cap, else the processor count.</summary>
    public static int DegreeOfParallelism
    {
        get
        {
            int cap = Kernels.KernelSelector.ThreadsOverride ?? Ivy.MaxDegreeOfParallelism;
            return cap > 0 ? Math.Min(cap, Environment.ProcessorCount) : Environment.ProcessorCount;
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0 ≤ i &lt; <paramref name="count"/>, in parallel when the total work is large enough.</summary>
    /// <param name="count">Number of independent items.</param>
    /// <param name="flopsPerItem">Rough cost of one item, for the size thresholds.</param>
    /// <param name="body">Computes item i; must not depend on which thread runs it or in which order.</param>
    public static void For(int count, long flopsPerItem, Action<int> body)
    {
        int degree = DegreeOfParallelism;
        long perItem = Math.Max(1, flopsPerItem);
        if (count <= 1 || degree <= 1 || count * perItem < MinParallelFlops)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }

        // Group items into tasks of at least MinTaskFlops, but keep at least one task per thread.
        int perTask = (int)Math.Clamp(MinTaskFlops / perItem, 1, Math.Max(1, count / degree));
        int tasks = (count + perTask - 1) / perTask;
        if (tasks <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }

        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = degree }, task =>
        {
            int end = Math.Min(count, (task + 1) * perTask);
            for (int i = task * perTask; i < end; i++) body(i);
        });
    }
}
