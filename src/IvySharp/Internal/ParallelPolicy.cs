namespace IvySharp.Internal;

/// <summary>
/// The one threading policy every kernel uses: split a call into independent items (batch × heads ×
/// query blocks, key chunks, or rows), run them on the caller's thread and thread-pool workers
/// (<see cref="FanOut"/>) only when there is enough work to pay
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

    /// <summary>
    /// Runs <paramref name="body"/>.<see cref="IParallelItems.Run"/> for 0 ≤ i &lt; <paramref name="count"/>, in parallel
    /// when the total work is large enough. The struct form of <see cref="For(int, long, Action{int})"/>: no closure and
    /// no delegate, on the caller's thread or in parallel (the fan-out keeps the body in a reused object).
    /// </summary>
    public static void For<TBody>(int count, long flopsPerItem, TBody body)
        where TBody : struct, IParallelItems
    {
        if (!RunsInParallel(count, flopsPerItem, out int perTask, out int degree))
        {
            for (int i = 0; i < count; i++) body.Run(i);
            return;
        }

        FanOut.Run(body, count, perTask, degree);
    }

    /// <summary>Runs <paramref name="body"/> for 0 ≤ i &lt; <paramref name="count"/>, in parallel when the total work is large enough.</summary>
    /// <param name="count">Number of independent items.</param>
    /// <param name="flopsPerItem">Rough cost of one item, for the size thresholds.</param>
    /// <param name="body">Computes item i; must not depend on which thread runs it or in which order.</param>
    public static void For(int count, long flopsPerItem, Action<int> body) =>
        For(count, flopsPerItem, new FanOut.DelegateItems(body));

    /// <summary>
    /// Whether a call of <paramref name="count"/> items goes to the thread pool, and how: items grouped into tasks of
    /// at least <see cref="MinTaskFlops"/>, at least one task per thread. Below <see cref="MinParallelFlops"/> in all,
    /// or with one thread, the caller runs every item itself: the hand-off would cost more than it saves.
    /// </summary>
    private static bool RunsInParallel(int count, long flopsPerItem, out int perTask, out int degree)
    {
        degree = DegreeOfParallelism;
        long perItem = Math.Max(1, flopsPerItem);
        perTask = 0;
        if (count <= 1 || degree <= 1 || count * perItem < MinParallelFlops) return false;
        perTask = (int)Math.Clamp(MinTaskFlops / perItem, 1, Math.Max(1, count / degree));
        return perTask < count;
    }
}

/// <summary>The work of a <see cref="ParallelPolicy.For{TBody}(int, long, TBody)"/> call: item i, whichever thread runs it.</summary>
internal interface IParallelItems
{
    /// <summary>Computes item <paramref name="item"/>; must not depend on which thread runs it or in which order.</summary>
    void Run(int item);
}
