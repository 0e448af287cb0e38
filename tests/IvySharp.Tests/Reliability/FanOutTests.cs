using IvySharp.Internal;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// The fan-out every parallel kernel call goes through: each task runs exactly once whatever the thread count, a
/// task's exception reaches the caller unwrapped after the running tasks end, and nested fan-outs cannot deadlock.
/// </summary>
public sealed class FanOutTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(37, 2)]
    [InlineData(100, 4)]
    [InlineData(3, 16)]
    public void Every_task_runs_exactly_once(int tasks, int degree)
    {
        for (int repeat = 0; repeat < 200; repeat++)
        {
            var runs = new int[tasks];
            FanOut.Run(tasks, degree, i => Interlocked.Increment(ref runs[i]));
            Assert.All(runs, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void A_tasks_exception_reaches_the_caller_unwrapped_after_the_running_tasks_end()
    {
        int running = 0;
        var thrown = Assert.Throws<InvalidOperationException>(() => FanOut.Run(64, 2, i =>
        {
            Interlocked.Increment(ref running);
            try
            {
                if (i == 5) throw new InvalidOperationException("task 5");
                Thread.SpinWait(1000);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }));
        Assert.Equal("task 5", thrown.Message);
        Assert.Equal(0, Volatile.Read(ref running));
    }

    [Fact]
    public void A_reused_fan_out_after_a_failure_runs_every_task_of_the_next_call()
    {
        // The fan-out object of one item type is reused from call to call: a failed call must leave nothing behind.
        for (int repeat = 0; repeat < 50; repeat++)
        {
            Assert.Throws<InvalidOperationException>(() => FanOut.Run(16, 2, i =>
            {
                if (i == 3) throw new InvalidOperationException("task 3");
            }));
            var runs = new int[16];
            FanOut.Run(16, 2, i => Interlocked.Increment(ref runs[i]));
            Assert.All(runs, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void Workers_run_in_the_callers_execution_context()
    {
        // The kernel and thread-count pins are async-locals: every task must see the caller's value.
        var local = new AsyncLocal<int> { Value = 42 };
        var seen = new int[64];
        FanOut.Run(seen.Length, 2, i =>
        {
            Thread.SpinWait(200);
            seen[i] = local.Value;
        });
        Assert.All(seen, value => Assert.Equal(42, value));
    }

    [Fact]
    public void Nested_fan_outs_complete_even_when_every_pool_thread_is_busy_in_one()
    {
        // Each outer task fans out again; the callers can always finish their own tasks, so nothing waits for a
        // worker that never starts.
        int total = 0;
        FanOut.Run(Environment.ProcessorCount * 4, Environment.ProcessorCount * 4, _ =>
            FanOut.Run(8, 4, _ => Interlocked.Increment(ref total)));
        Assert.Equal(Environment.ProcessorCount * 4 * 8, total);
    }
}
