using System.Buffers;
using System.Globalization;
using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reliability;

/// <summary>Tests that change process-wide state (the GC's memory limit) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Reliability, serial";
}

/// <summary>
/// Issue "Reliability" part 5: allocation per call is constant and bounded by the result plus a fixed
/// overhead; requests too large for an array fail before allocating; a failure after buffers were rented
/// returns them and leaves the library healthy.
/// </summary>
/// <remarks>
/// Serial: next to the parallel suite, other tests' gen-2 collections make the shared ArrayPool trim this
/// thread's cached arrays now and then, and the re-rents read as a drifting ~100 B per call.
/// </remarks>
[Collection(SerialCollection.Name)]
public sealed class MemoryTests(ITestOutputHelper output)
{
    /// <summary>
    /// Beyond the returned arrays, a call may allocate this much (the plan, shape arrays, the result object,
    /// closures). Measured 0.8–1.4 KB on the plain path (2026-12-05); the rest is headroom for the tiled engine. Anything
    /// that grows with L·S or is not pooled (a score tile, a 16×16 block per item) shows up far above it.
    /// </summary>
    public const int OverheadBudget = 4096;

    /// <summary>
    /// 440 calls per workload and variant (40 to warm up, then five windows of 80) keep this serial test near
    /// 3 s per variant in Debug, where the tiled engine runs unoptimised;
    /// <c>tools/Fuzz --memory</c> runs 100,000 per workload. Bytes per call must not grow (the cheapest of the
    /// last two windows within 32 B of the cheapest of the first two: the shared pool trims and re-allocates
    /// an array now and then, which lifts a single window by up to a few hundred B/call) and must stay below the results'
    /// own bytes plus <see cref="OverheadBudget"/> (the median window).
    /// </summary>
    [Theory, MemberData(nameof(KernelVariants.Theory), MemberType = typeof(KernelVariants))]
    public void Allocation_per_call_is_constant_and_within_the_results_plus_a_fixed_overhead(string variant)
    {
        foreach (var workload in MemoryCheck.Typical())
        {
            MemoryCheck.BytesPerCall(workload.Call, variant, 40);
            double[] windows = Enumerable.Range(0, 5).Select(_ => MemoryCheck.BytesPerCall(workload.Call, variant, 80)).ToArray();
            double early = Math.Min(windows[0], windows[1]), late = Math.Min(windows[3], windows[4]);
            double median = windows.Order().ElementAt(2);
            AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture,
                $"memory: {variant} {workload.Name}: {median:0} B/call (windows {string.Join(" ", windows.Select(w => w.ToString("0", CultureInfo.InvariantCulture)))}), results {workload.ResultBytes} B"));
            Assert.True(late <= early + 32, $"{workload.Name} on {variant}: bytes per call grew, windows {string.Join(", ", windows)}");
            Assert.True(median <= workload.ResultBytes + OverheadBudget, $"{workload.Name} on {variant}: {median:0} B per call for {workload.ResultBytes} B of results");
        }
    }

    /// <summary>
    /// Issue #12: a layer forward into <c>@out</c> allocates at most 1 KB (its result object, the plan and the typed
    /// problem; the core's problem and the fan-out are reused, the input pipeline lives on the stack). Measured
    /// 0.73 KB for self-attention and 0.83 KB for the sentence shape's separate q/k/v with key padding.
    /// </summary>
    [Theory, MemberData(nameof(KernelVariants.Theory), MemberType = typeof(KernelVariants))]
    public void A_layer_forward_into_out_allocates_at_most_one_kilobyte(string variant)
    {
        var r = new Random(12);
        IvyArray U(params int[] shape) =>
            A.F(DType.Float32, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (2 * r.NextDouble()) - 1).ToArray(), shape);
        var selfAttention = new IvySharp.Layers.MultiHeadAttention(embedDim: 64, numHeads: 4, training: false, seed: 1);
        var crossAttention = new IvySharp.Layers.MultiHeadAttention(embedDim: 48, keyDim: 32, valueDim: 40, numHeads: 6, training: false, seed: 2);
        IvyArray query = U(1, 16, 64), selfOut = IvyArray.Zeros(DType.Float32, 1, 16, 64);
        IvyArray crossQuery = U(3, 9, 48), key = U(3, 9, 32), value = U(3, 9, 40), crossOut = IvyArray.Zeros(DType.Float32, 3, 9, 48);
        IvyArray padding = A.B(Enumerable.Range(0, 27).Select(i => i % 9 >= 6 + (i / 9)).ToArray(), 3, 9);
        foreach ((string name, Action call) in (ReadOnlySpan<(string, Action)>)[
            ("self-attention N=1 L=16 E=64 H=4", () => selfAttention.Forward(query, @out: selfOut)),
            ("separate q/k/v N=3 L=9 E=48 H=6, key padding", () => crossAttention.Forward(crossQuery, key, value, keyPaddingMask: padding, @out: crossOut))])
        {
            MemoryCheck.BytesPerCall(call, variant, 40);
            double[] windows = Enumerable.Range(0, 5).Select(_ => MemoryCheck.BytesPerCall(call, variant, 80)).ToArray();
            double median = windows.Order().ElementAt(2);
            AccuracyLog.Write(output, string.Create(CultureInfo.InvariantCulture, $"memory: {variant} layer {name}: {median:0} B/call"));
            Assert.True(median <= 1024, $"layer {name} on {variant}: {median:0} B per call, windows {string.Join(", ", windows)}");
        }
    }

    public static TheoryData<string, string> OversizedRequests()
    {
        var data = new TheoryData<string, string>();
        foreach (string variant in KernelVariants.Supported)
        {
            foreach (string request in (string[])["averaged weights", "per-head weights", "output", "key columns"]) data.Add(variant, request);
        }

        return data;
    }

    /// <summary>
    /// A request whose weights (or output, or S′) alone would not fit one array is refused with a clear
    /// error naming the argument, before any buffer is allocated: the call allocates under 64 KB (the
    /// message and the exception) where the weights would need gigabytes.
    /// </summary>
    [Theory, MemberData(nameof(OversizedRequests))]
    public void A_request_too_large_for_an_array_fails_with_a_clear_error_before_allocating(string variant, string request)
    {
        // 50,000 tokens of width 4: 800 KB inputs, but L·S = 2.5·10⁹ weights (> Array.MaxLength ≈ 2.1·10⁹).
        IvyArray tokens = IvyArray.Zeros(DType.Float32, 1, 50_000, 4);
        MhaCall call = request switch
        {
            "averaged weights" => new MhaCall { Query = tokens, NumHeads = 1, ReturnAttentionWeights = true },
            "per-head weights" => new MhaCall
            {
                Query = IvyArray.Zeros(DType.Float32, 1, 25_000, 4), NumHeads = 4, ReturnAttentionWeights = true, AverageAttentionWeights = false,
            },
            "output" => new MhaCall { Query = IvyArray.Zeros(DType.Float32, 1 << 16, 1 << 16, 0), NumHeads = 1, OutProjWeights = IvyArray.Zeros(DType.Float32, 1, 0) },
            _ => new MhaCall
            {
                Query = IvyArray.Zeros(DType.Float32, 1, 0), Key = IvyArray.Zeros(DType.Float32, Array.MaxLength, 0),
                Value = IvyArray.Zeros(DType.Float32, Array.MaxLength, 0), NumHeads = 1, AddZeroAttn = true,
            },
        };
        (string param, string what) = request switch
        {
            "output" => ("query", "attention output"),
            "key columns" => ("key", "key columns"),
            _ => ("returnAttentionWeights", "attention weights"),
        };

        ArgumentException? error = null;
        long allocated;
        using (KernelVariants.Use(variant, threads: 1))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                call.Invoke();
            }
            catch (ArgumentException ex)
            {
                error = ex;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.NotNull(error);
        Assert.Equal(param, error.ParamName);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
        Assert.Contains(Array.MaxLength.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated before the error");
    }
}

/// <summary>A failure after buffers were rented (out of memory while allocating the returned weights).</summary>
[Collection(SerialCollection.Name)]
public sealed class FailureAfterRentingTests
{
    // The failing call: (1, 16384, 4) with returned weights needs 16384² floats = 1 GB for them, after renting
    // its 16384·4 = 65,536-float output buffer. The healthy call, (1, 256, 256) with 4 heads, rents buffers of
    // that same size class (q, k, v, attended, output), so a buffer returned twice would be handed to two of them.
    private const int Tokens = 16384, Width = 4, BufferLength = Tokens * Width;

    /// <summary>
    /// The GC's hard limit is lowered (<see cref="GC.RefreshMemoryLimit"/>) to what the heap commits plus
    /// 256 MB, so the 1 GB weights cannot be allocated. Afterwards (limit restored): the exception is the
    /// out-of-memory one, @out still holds what it held, the rented buffer went back to the pool (a probe
    /// array handed to the pool just before is rented again), and a later call gives the same bits as before,
    /// so nothing was returned twice. Runs alone: the limit is process-wide.
    /// </summary>
    [Theory, MemberData(nameof(KernelVariants.Theory), MemberType = typeof(KernelVariants))]
    public void Out_of_memory_after_renting_returns_the_buffers_and_leaves_the_library_healthy(string variant)
    {
        var r = new Random(3);
        IvyArray query = IvyArray.From(Enumerable.Range(0, BufferLength).Select(_ => (float)r.NextDouble()).ToArray(), 1, Tokens, Width);
        float[] sentinel = Enumerable.Repeat(1234f, BufferLength).ToArray();
        IvyArray output = IvyArray.From((float[])sentinel.Clone(), 1, Tokens, Width);
        var failing = new MhaCall { Query = query, NumHeads = 1, ReturnAttentionWeights = true, Out = output };
        var healthy = new MhaCall { Query = EdgeSemanticsTests.U(r, DType.Float32, 1, 256, 256), NumHeads = 4 };

        using (KernelVariants.Use(variant, threads: 1))
        {
            float[] expected = healthy.Invoke().Output.ToArray<float>();

            // The probe sits in this thread's pool slot for the output's size class; the failing call rents it first.
            float[] probe = ArrayPool<float>.Shared.Rent(BufferLength);
            ArrayPool<float>.Shared.Return(probe);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            ulong limit = (ulong)GC.GetGCMemoryInfo().TotalCommittedBytes + (256UL << 20);
            Exception? thrown = null;
            long applied;
            AppContext.SetData("GCHeapHardLimit", limit);
            try
            {
                GC.RefreshMemoryLimit();
                applied = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
                failing.Invoke();
            }
            catch (Exception ex)
            {
                thrown = ex;
                applied = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            }
            finally
            {
                AppContext.SetData("GCHeapHardLimit", 0UL);
                GC.RefreshMemoryLimit();
            }

            Assert.True(applied <= (long)limit, $"the GC did not take the {limit >> 20} MB limit (it reports {applied >> 20} MB available), so the failure could not be provoked");
            Assert.IsType<OutOfMemoryException>(thrown is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : thrown);
            Assert.Equal(sentinel, output.ToArray<float>());

            var rented = new List<float[]>();
            for (int i = 0; i < 16; i++) rented.Add(ArrayPool<float>.Shared.Rent(BufferLength));
            bool probeReturned = rented.Any(b => ReferenceEquals(b, probe));
            foreach (float[] buffer in rented) ArrayPool<float>.Shared.Return(buffer);
            Assert.True(probeReturned, "the buffer rented before the failure did not go back to the pool");

            for (int i = 0; i < 3; i++) Assert.Equal(expected, healthy.Invoke().Output.ToArray<float>());
        }
    }
}
