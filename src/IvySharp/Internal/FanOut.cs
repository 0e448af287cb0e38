using System.Runtime.ExceptionServices;

namespace IvySharp.Internal;

/// <summary>
/// One parallel call's tasks, run by the caller's thread and up to degree − 1 thread-pool workers: each thread takes
/// the next free task until none is left, and the caller returns when every task has finished. It replaces
/// <c>Parallel.For</c> under <see cref="ParallelPolicy"/>, which allocated about 5 KB per call (its task replicator,
/// queue segments and range workers), several times a small attention call's own state.
/// </summary>
internal static class FanOut
{
    /// <summary>Runs <paramref name="task"/>(i) for 0 ≤ i &lt; <paramref name="tasks"/> on at most <paramref name="degree"/> threads, the caller's included.</summary>
    /// <param name="tasks">How many tasks (≥ 1).</param>
    /// <param name="degree">The most threads at once (≥ 1).</param>
    /// <param name="task">Runs task i; tasks may run in any order, on any of the threads.</param>
    public static void Run(int tasks, int degree, Action<int> task) =>
        FanOut<DelegateItems>.Run(new DelegateItems(task), tasks, itemsPerTask: 1, degree);

    /// <summary>
    /// Runs <paramref name="items"/> for 0 ≤ i &lt; <paramref name="count"/> in tasks of <paramref name="itemsPerTask"/>
    /// consecutive items, on at most <paramref name="degree"/> threads, the caller's included.
    /// </summary>
    public static void Run<TItems>(TItems items, int count, int itemsPerTask, int degree)
        where TItems : struct, IParallelItems => FanOut<TItems>.Run(items, count, itemsPerTask, degree);

    /// <summary>
    /// How many rounds of <see cref="Thread.SpinWait(int)"/>(20) a worker that finished its tasks stays to take the next
    /// call's offer (about 50 µs, see <see cref="HelpWhileSpinning"/>), counted so that the spin reads no clock.
    /// </summary>
    private const int HelperSpinRounds = 70;

    /// <summary>A fan-out waiting for a spinning worker to take its one offered seat, or null.</summary>
    private static IOffer? s_offer;

    /// <summary>How many workers are spinning in <see cref="HelpWhileSpinning"/> now.</summary>
    private static int s_spinningHelpers;

    /// <summary>A fan-out's seat for one more thread.</summary>
    internal interface IOffer
    {
        /// <summary>Runs tasks of the fan-out until none is left (in the caller's context), then lets go of it.</summary>
        void Help();
    }

    /// <summary>
    /// Offers <paramref name="fanOut"/>'s seat to a worker spinning in <see cref="HelpWhileSpinning"/>, if one is: true
    /// when offered (then the caller must <see cref="TryWithdraw"/> before it waits).
    /// </summary>
    internal static bool TryOffer(IOffer fanOut) =>
        Volatile.Read(ref s_spinningHelpers) > 0 && Interlocked.CompareExchange(ref s_offer, fanOut, null) is null;

    /// <summary>Takes back an offer no worker took: true when withdrawn (the seat will never be filled).</summary>
    internal static bool TryWithdraw(IOffer fanOut) => Interlocked.CompareExchange(ref s_offer, null, fanOut) == fanOut;

    /// <summary>
    /// A worker that finished its tasks stays about 50 µs for the next parallel call's offer before it goes back to the
    /// pool, and after each call it helps it stays again. A call of a model's forward pass follows the previous one
    /// within microseconds: taking the offer costs a shared read, against ~4 µs from queueing a thread-pool item to its
    /// start (measured on the sentence sample) and, after the machine idled, far longer wakes of a parked
    /// thread on a virtual CPU.
    /// </summary>
    internal static void HelpWhileSpinning()
    {
        Interlocked.Increment(ref s_spinningHelpers);
        try
        {
            for (int round = 0; round < HelperSpinRounds; round++)
            {
                if (Volatile.Read(ref s_offer) is { } offer && Interlocked.CompareExchange(ref s_offer, null, offer) == offer)
                {
                    offer.Help();
                    round = -1;
                    continue;
                }

                Thread.SpinWait(20);
            }
        }
        finally
        {
            Interlocked.Decrement(ref s_spinningHelpers);
        }
    }

    /// <summary>A delegate as parallel items.</summary>
    internal readonly struct DelegateItems(Action<int> body) : IParallelItems
    {
        public void Run(int item) => body(item);
    }
}

/// <summary>
/// The state of one fan-out of <typeparamref name="TItems"/>: the items, which tasks were taken, how many finished,
/// the first failure. One object per call, reused: a call takes the spare one of its type (or makes one), and the
/// last thread to let go of it (the caller after the join, or a worker that started late) puts it back, so a
/// parallel call allocates nothing in the steady state; before, its closure, delegate, fan-out and the thread pool's
/// callback wrapper were about 250 bytes per call, more than the body itself.
/// </summary>
/// <remarks>
/// <para>
/// Workers are queued as <see cref="IThreadPoolWorkItem"/>s, which do not flow the caller's <see cref="ExecutionContext"/>
/// by themselves: it is captured per call and each worker runs its tasks in it (the kernel and thread-count overrides
/// are async-locals). The caller takes tasks from the front and workers from the back (see <see cref="Work(bool)"/>).
/// A worker that starts after the caller has taken every task finds none and returns, so the caller never waits for
/// a worker to start, only for tasks a worker is running: no deadlock when the pool is busy or a task fans out again.
/// </para>
/// <para>
/// The join spins first (about 50 µs, long enough for the other half of a small 2-thread call) and then blocks, so
/// a long wait does not hold the core. A task that throws stops the tasks not yet started; the first
/// exception is rethrown on the caller's thread, unwrapped, once every running task has finished.
/// </para>
/// </remarks>
internal sealed class FanOut<TItems> : IThreadPoolWorkItem, FanOut.IOffer
    where TItems : struct, IParallelItems
{
    /// <summary>
    /// How many rounds of <see cref="Thread.SpinWait(int)"/>(20) the caller spins at the join before it blocks, about 50 µs
    /// (the runtime normalises a spin iteration to a few tens of nanoseconds); counted, so the spin reads no clock.
    /// Measured on the sentence shape's function path (2 threads, before the two-ended take): a 7-round spin was
    /// 50–70 % slower than <c>Parallel.For</c>, blocking at once about twice as slow.
    /// </summary>
    private const int SpinRounds = 70;

    private static readonly ContextCallback s_workInContext = static state => ((FanOut<TItems>)state!).Work(fromFront: false);

    /// <summary>One idle fan-out of this type, or null: taken with an exchange, so two calls never share one.</summary>
    private static FanOut<TItems>? s_spare;

    private TItems _items;
    private int _count, _itemsPerTask, _tasks;
    private ExecutionContext? _context;
    private long _ends;
    private int _finished;

    /// <summary>Threads still able to touch this object: the caller and every queued worker, started or not.</summary>
    private int _holders;

    private ExceptionDispatchInfo? _failure;

    public static void Run(TItems items, int count, int itemsPerTask, int degree)
    {
        FanOut<TItems> fanOut = Interlocked.Exchange(ref s_spare, null) ?? new FanOut<TItems>();
        int tasks = (count + itemsPerTask - 1) / itemsPerTask;
        int workers = Math.Min(degree, tasks) - 1;
        fanOut._items = items;
        fanOut._count = count;
        fanOut._itemsPerTask = itemsPerTask;
        fanOut._tasks = tasks;
        fanOut._context = workers > 0 ? ExecutionContext.Capture() : null;
        // Published before the offer and the first queued worker (the exchange and the queue order these writes
        // before the worker's reads).
        Volatile.Write(ref fanOut._holders, 1 + workers);
        bool offered = workers > 0 && FanOut.TryOffer(fanOut);
        for (int i = offered ? 1 : 0; i < workers; i++) ThreadPool.UnsafeQueueUserWorkItem(fanOut, preferLocal: false);
        fanOut.Work(fromFront: true);
        // An offer no spinning worker took in time: the caller has run every task itself; its seat is dropped.
        if (offered && FanOut.TryWithdraw(fanOut)) Interlocked.Decrement(ref fanOut._holders);
        fanOut.WaitForRunningTasks();
        ExceptionDispatchInfo? failure = fanOut._failure;
        fanOut.Release();
        failure?.Throw();
    }

    void IThreadPoolWorkItem.Execute()
    {
        Help();
        FanOut.HelpWhileSpinning();
    }

    /// <inheritdoc/>
    public void Help()
    {
        // A null context means the caller suppressed the flow: run in the worker's own, as ThreadPool.QueueUserWorkItem does.
        if (_context is { } context) ExecutionContext.Run(context, s_workInContext, this);
        else Work(fromFront: false);
        Release();
    }

    /// <summary>Lets go of this fan-out; the last holder clears it and makes it the spare one.</summary>
    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0) return;
        // Nothing of the call stays reachable from the static slot (its arrays, its context).
        _items = default;
        _context = null;
        _failure = null;
        _ends = 0;
        _finished = 0;
        Volatile.Write(ref s_spare, this);
    }

    /// <summary>
    /// Takes tasks until none is left and runs them: the caller from the front, workers from the back. Two ends keep a
    /// 2-thread call's halves on the same threads from one call to the next (the caller the first tasks, the worker
    /// the last), so data a call leaves in one core's cache (packed panels, a GEMM's rows) is read there by the next
    /// call: taking tasks first-come from one end measured 30 % slower on the sentence shape (N=3, L=9, E=384).
    /// </summary>
    private void Work(bool fromFront)
    {
        while (TryTake(fromFront, out int task))
        {
            try
            {
                // After a failure the remaining tasks are only counted, so the join still ends.
                if (Volatile.Read(ref _failure) is null)
                {
                    int end = Math.Min(_count, (task + 1) * _itemsPerTask);
                    for (int i = task * _itemsPerTask; i < end; i++) _items.Run(i);
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }

            if (Interlocked.Increment(ref _finished) == _tasks)
            {
                lock (this) Monitor.PulseAll(this);
            }
        }
    }

    /// <summary>Claims the next task from one end: <see cref="_ends"/> holds how many were taken from the front (low half) and from the back (high half).</summary>
    private bool TryTake(bool fromFront, out int task)
    {
        while (true)
        {
            long ends = Volatile.Read(ref _ends);
            int front = (int)(ends & 0xFFFF_FFFF), back = (int)(ends >> 32);
            if (front + back >= _tasks)
            {
                task = -1;
                return false;
            }

            long next = fromFront ? ends + 1 : ends + (1L << 32);
            if (Interlocked.CompareExchange(ref _ends, next, ends) == ends)
            {
                task = fromFront ? front : _tasks - 1 - back;
                return true;
            }
        }
    }

    /// <summary>Returns once every task has finished: spins briefly, then blocks until the last task's thread pulses.</summary>
    private void WaitForRunningTasks()
    {
        if (Volatile.Read(ref _finished) == _tasks) return;
        for (int round = 0; round < SpinRounds; round++)
        {
            Thread.SpinWait(20);
            if (Volatile.Read(ref _finished) == _tasks) return;
        }

        lock (this)
        {
            while (Volatile.Read(ref _finished) < _tasks) Monitor.Wait(this);
        }
    }
}
