namespace IvySharp.Internal;

/// <summary>
/// The one threading policy every kernel uses: split a call into independent items (batch × heads ×
/// query blocks, or rows), run them on the thread pool only when there is enough work to pay for it,
/// never more than <see cref="Ivy.MaxDegreeOfParallelism"/> at once. Each item computes the same bits
/// whichever thread runs it, so results never depend on the thread count.
/// </summary>
internal static class ParallelPolicy
{
    /// <summary>Below this many flops in a call, scheduling costs more than it saves: run on the caller's thread.</summary>
    public const long MinParallelFlops = 1L << 18;

    /// <summary>The degree of parallelism in force now: the user's cap, else the processor count.</summary>
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
    /// <param name="flopsPerItem">Rough cost of one item, for the size threshold.</param>
    /// <param name="body">Computes item i; must not depend on which thread runs it.</param>
    public static void For(int count, long flopsPerItem, Action<int> body)
    {
        int degree = DegreeOfParallelism;
        if (count <= 1 || degree <= 1 || (long)count * flopsPerItem < MinParallelFlops)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = degree }, body);
    }
}
