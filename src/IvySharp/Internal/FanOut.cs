using System.Runtime.ExceptionServices;

namespace IvySharp.Internal;

/// <summary>
/// One parallel call's tasks, run by the caller's thread and up to degree − 1 thread-pool workers: each thread takes
/// the next free task until none is left, and the caller returns when every task has finished. It replaces
/// <c>Parallel.For</c> under <see cref="ParallelPolicy"/>, which allocated about 5 KB per call (its task replicator,
/// queue segments and range workers), several times a small attention call's own state.
/// </summary>
/// <remarks>
/// <para>
/// Workers are queued with <see cref="ThreadPool.QueueUserWorkItem{TState}(Action{TState}, TState, bool)"/>, which flows
/// the caller's <see cref="ExecutionContext"/> (the kernel and thread-count overrides are async-locals). The caller
/// takes tasks from the front and workers from the back (see <see cref="Work(bool)"/>). A worker that
/// starts after the caller has taken every task finds none and returns, so the caller never waits for a worker to
/// start, only for tasks a worker is running: no deadlock when the pool is busy or a task fans out again.
/// </para>
/// <para>
/// The join spins first (about 50 µs, long enough for the other half of a small 2-thread call) and then blocks, so
/// a long wait does not hold the core. A task that throws stops the tasks not yet started; the first
/// exception is rethrown on the caller's thread, unwrapped, once every running task has finished.
/// </para>
/// </remarks>
internal sealed class FanOut
{
    /// <summary>
    /// How many rounds of <see cref="Thread.SpinWait(int)"/>(20) the caller spins at the join before it blocks, about 50 µs
    /// (the runtime normalises a spin iteration to a few tens of nanoseconds); counted, so the spin reads no clock.
    /// Measured on the sentence shape's function path (2 threads, before the two-ended take): a 7-round spin was
    /// 50–70 % slower than <c>Parallel.For</c>, blocking at once about twice as slow.
    /// </summary>
    private const int SpinRounds = 70;

    private static readonly Action<FanOut> s_work = static fanOut => fanOut.Work(fromFront: false);

    private readonly Action<int> _task;
    private readonly int _tasks;
    private long _ends;
    private int _finished;
    private ExceptionDispatchInfo? _failure;

    private FanOut(int tasks, Action<int> task)
    {
        _tasks = tasks;
        _task = task;
    }

    /// <summary>Runs <paramref name="task"/>(i) for 0 ≤ i &lt; <paramref name="tasks"/> on at most <paramref name="degree"/> threads, the caller's included.</summary>
    /// <param name="tasks">How many tasks (≥ 1).</param>
    /// <param name="degree">The most threads at once (≥ 1).</param>
    /// <param name="task">Runs task i; tasks may run in any order, on any of the threads.</param>
    public static void Run(int tasks, int degree, Action<int> task)
    {
        var fanOut = new FanOut(tasks, task);
        int workers = Math.Min(degree, tasks) - 1;
        for (int i = 0; i < workers; i++) ThreadPool.QueueUserWorkItem(s_work, fanOut, preferLocal: false);
        fanOut.Work(fromFront: true);
        fanOut.WaitForRunningTasks();
        fanOut._failure?.Throw();
    }

    /// <summary>
    /// Takes tasks until none is left and runs them: the caller from the front, workers from the back. Two ends keep a
    /// 2-thread call's halves on the same threads from one call to the next (the caller the first tasks, the worker
    /// the last), so data a call leaves in one core's cache (packed panels, a GEMM's rows) is read there by the next
    /// call: taking tasks first-come from one end measured 30 % slower on the sentence shape (N=3, L=9, E=384).
    /// </summary>
    private void Work(bool fromFront)
    {
        while (TryTake(fromFront, out int i))
        {
            try
            {
                // After a failure the remaining tasks are only counted, so the join still ends.
                if (Volatile.Read(ref _failure) is null) _task(i);
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
