using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IvySharp.Benchmarks.Reference;

/// <summary>One width's FMA-only ceiling: GFLOP/s of a register-resident FMA loop on 1 thread and on all the bench's threads.</summary>
/// <param name="Width">"Vector512", "Vector256" or "Vector128".</param>
/// <param name="Isa">The instructions it ran as, e.g. "AVX-512F (zmm)" or "AVX2+FMA (ymm, VEX)".</param>
/// <param name="Lanes">Floats per register.</param>
/// <param name="OneThreadGflops">The ceiling on one thread.</param>
/// <param name="Threads">The bench's thread count.</param>
/// <param name="AllThreadsGflops">The ceiling on <paramref name="Threads"/> threads.</param>
internal sealed record FmaCeilingResult(string Width, string Isa, int Lanes, double OneThreadGflops, int Threads, double AllThreadsGflops);

/// <summary>
/// The same-run FMA-only ceiling of every SIMD width the runtime accelerates: 10 independent chains of
/// fused multiply-adds held in registers (12 registers with the two operands: fits AVX2's 16), enough
/// to cover the FMA latency × pipes of current x86 cores. No loads, no stores: the most a kernel of
/// that width can reach, against which its GFLOP/s is read. On 2 threads every thread runs the loop at
/// once and the FLOP are summed over the wall time. The best of several rounds: on a shared machine a neighbour
/// only ever lowers a round (the median of 5 read 219–389 GFLOP/s on 2 threads within a minute here), and a
/// ceiling is the most the cores gave.
/// </summary>
internal static class FmaCeiling
{
    private const long Iterations = 4_000_000;
    private const int Chains = 10;

    public static IReadOnlyList<FmaCeilingResult> Measure(int threads, int rounds = 9)
    {
        var results = new List<FmaCeilingResult>();
        if (Vector512.IsHardwareAccelerated) results.Add(Measure("Vector512", "AVX-512F (zmm)", 16, Loop512, threads, rounds));
        if (Vector256.IsHardwareAccelerated) results.Add(Measure("Vector256", Avx512F.VL.IsSupported ? "AVX2+FMA (ymm, EVEX: 32 registers)" : "AVX2+FMA (ymm, VEX: 16 registers)", 8, Loop256, threads, rounds));
        if (Vector128.IsHardwareAccelerated) results.Add(Measure("Vector128", Avx512F.VL.IsSupported ? "SSE/AVX (xmm, EVEX)" : Avx.IsSupported ? "SSE/AVX (xmm, VEX)" : "SSE/NEON (xmm)", 4, Loop128, threads, rounds));
        return results;
    }

    /// <summary>The widths' ceilings as one line each, for the console.</summary>
    public static string Describe(FmaCeilingResult r) =>
        $"{r.Width} {r.Isa}: {r.OneThreadGflops:F1} GFLOP/s on 1 thread, {r.AllThreadsGflops:F1} on {r.Threads}";

    private static FmaCeilingResult Measure(string width, string isa, int lanes, Func<long, float> loop, int threads, int rounds)
    {
        double flopsPerThread = 2.0 * lanes * Chains * Iterations;
        loop(Iterations / 10);
        var one = new double[rounds];
        var all = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            loop(Iterations);
            one[round] = flopsPerThread / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;

            using var ready = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
            {
                ready.SignalAndWait();
                loop(Iterations);
            })).ToList();
            workers.ForEach(w => w.Start());

            // The clock starts before the release: taken after it, a descheduled main thread started it late and
            // a round could read more than the cores can do (the best of rounds would pick exactly that one).
            start = Stopwatch.GetTimestamp();
            ready.SignalAndWait();
            workers.ForEach(w => w.Join());
            all[round] = threads * flopsPerThread / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }

        Array.Sort(one);
        Array.Sort(all);
        return new FmaCeilingResult(width, isa, lanes, one[^1], threads, all[^1]);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).ToScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop128(long iterations)
    {
        Vector128<float> m = Vector128.Create(0.999999f), c = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, c); a1 = Vector128.FusedMultiplyAdd(a1, m, c);
            a2 = Vector128.FusedMultiplyAdd(a2, m, c); a3 = Vector128.FusedMultiplyAdd(a3, m, c);
            a4 = Vector128.FusedMultiplyAdd(a4, m, c); a5 = Vector128.FusedMultiplyAdd(a5, m, c);
            a6 = Vector128.FusedMultiplyAdd(a6, m, c); a7 = Vector128.FusedMultiplyAdd(a7, m, c);
            a8 = Vector128.FusedMultiplyAdd(a8, m, c); a9 = Vector128.FusedMultiplyAdd(a9, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9).ToScalar();
    }
}
