using System.Runtime.CompilerServices;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// Six keys (scores) or six output features (P·V) per step for passes of one or two row registers: 6 × 2 = 12
/// accumulators, where the four-step form has 8. A fused multiply-add's result is ready only after its latency
/// (4–5 cycles) and two issue per cycle, so 8 independent chains left the FMA units waiting: the 16-register
/// widths (AVX2: two row registers per pass) ran the tiles at about 80 % of the FMA ceiling. With 12 chains plus
/// two row registers and one broadcast at a time, 15 of 16 registers are live, and nothing spills. Each element's
/// sum still runs over the same keys (or features) in the same order, so the bits are those of the four-step form.
/// </summary>
internal static partial class FlashTiles<T, TVector, TSimd, TRows>
{
    /// <summary>Whether a pass of <typeparamref name="TGroup"/> row registers takes six-wide steps (a JIT-time constant).</summary>
    private static bool SixWide<TGroup>()
        where TGroup : ICount => TGroup.Value <= 2;

    /// <summary>
    /// How many of <paramref name="count"/> keys (or features) the six-wide steps take: as many as leave a multiple of
    /// four for the four-wide steps, since a single step runs one chain per row register, at a fraction of the speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SixWideSpan(int count)
    {
        int steps = count / 6;
        while (steps > 0 && (count - (6 * steps)) % 4 != 0) steps--;
        return 6 * steps;
    }

    /// <summary>Scores of keys [0, <paramref name="end"/>), six at a time (end a multiple of 6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresSix<TGroup>(ref T queryT, int depth, ref T keys, nint keyStride, int end, ref T scores)
        where TGroup : ICount
    {
        int w = TSimd.Count, br = BlockRows;
        bool two = TGroup.Value > 1;
        for (int j = 0; j < end; j += 6)
        {
            ref T k0 = ref Unsafe.Add(ref keys, j * keyStride);
            ref T k1 = ref Unsafe.Add(ref k0, keyStride);
            ref T k2 = ref Unsafe.Add(ref k1, keyStride);
            ref T k3 = ref Unsafe.Add(ref k2, keyStride);
            ref T k4 = ref Unsafe.Add(ref k3, keyStride);
            ref T k5 = ref Unsafe.Add(ref k4, keyStride);
            TVector a00 = TSimd.Zero, a10 = TSimd.Zero, a20 = TSimd.Zero, a30 = TSimd.Zero, a40 = TSimd.Zero, a50 = TSimd.Zero;
            TVector a01 = TSimd.Zero, a11 = TSimd.Zero, a21 = TSimd.Zero, a31 = TSimd.Zero, a41 = TSimd.Zero, a51 = TSimd.Zero;
            ref T q = ref queryT;
            for (int c = 0; c < depth; c++, q = ref Unsafe.Add(ref q, br))
            {
                TVector q0 = TSimd.Load(ref q, 0);
                TVector q1 = two ? TSimd.Load(ref q, w) : default;
                // Each broadcast is used at once: one register for it, not six.
                TVector b = TSimd.Splat(Unsafe.Add(ref k0, c));
                a00 = TSimd.MultiplyAdd(q0, b, a00);
                if (two) a01 = TSimd.MultiplyAdd(q1, b, a01);
                b = TSimd.Splat(Unsafe.Add(ref k1, c));
                a10 = TSimd.MultiplyAdd(q0, b, a10);
                if (two) a11 = TSimd.MultiplyAdd(q1, b, a11);
                b = TSimd.Splat(Unsafe.Add(ref k2, c));
                a20 = TSimd.MultiplyAdd(q0, b, a20);
                if (two) a21 = TSimd.MultiplyAdd(q1, b, a21);
                b = TSimd.Splat(Unsafe.Add(ref k3, c));
                a30 = TSimd.MultiplyAdd(q0, b, a30);
                if (two) a31 = TSimd.MultiplyAdd(q1, b, a31);
                b = TSimd.Splat(Unsafe.Add(ref k4, c));
                a40 = TSimd.MultiplyAdd(q0, b, a40);
                if (two) a41 = TSimd.MultiplyAdd(q1, b, a41);
                b = TSimd.Splat(Unsafe.Add(ref k5, c));
                a50 = TSimd.MultiplyAdd(q0, b, a50);
                if (two) a51 = TSimd.MultiplyAdd(q1, b, a51);
            }

            ref T s = ref Unsafe.Add(ref scores, j * br);
            StorePair(ref s, 0, two, a00, a01);
            StorePair(ref s, br, two, a10, a11);
            StorePair(ref s, 2 * br, two, a20, a21);
            StorePair(ref s, 3 * br, two, a30, a31);
            StorePair(ref s, 4 * br, two, a40, a41);
            StorePair(ref s, 5 * br, two, a50, a51);
        }
    }

    /// <summary>P·V for features [0, <paramref name="end"/>), six at a time (end a multiple of 6), the rescale fused into the load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateSix<TGuard, TGroup>(
        ref T probabilities, int columns, ref T values, nint valueStride, int end, ref T outT, TVector r0, TVector r1)
        where TGuard : IZeroGuard
        where TGroup : ICount
    {
        int w = TSimd.Count, br = BlockRows;
        bool two = TGroup.Value > 1;
        for (int c = 0; c < end; c += 6)
        {
            ref T o = ref Unsafe.Add(ref outT, c * br);
            LoadPair(ref o, 0, two, r0, r1, out TVector a00, out TVector a01);
            LoadPair(ref o, br, two, r0, r1, out TVector a10, out TVector a11);
            LoadPair(ref o, 2 * br, two, r0, r1, out TVector a20, out TVector a21);
            LoadPair(ref o, 3 * br, two, r0, r1, out TVector a30, out TVector a31);
            LoadPair(ref o, 4 * br, two, r0, r1, out TVector a40, out TVector a41);
            LoadPair(ref o, 5 * br, two, r0, r1, out TVector a50, out TVector a51);
            ref T p = ref probabilities;
            ref T v = ref Unsafe.Add(ref values, c);
            for (int j = 0; j < columns; j++, p = ref Unsafe.Add(ref p, br), v = ref Unsafe.Add(ref v, valueStride))
            {
                TVector p0 = TSimd.Load(ref p, 0), z0 = ZeroLanes<TGuard>(p0);
                TVector p1 = two ? TSimd.Load(ref p, w) : default, z1 = two ? ZeroLanes<TGuard>(p1) : default;
                TVector b = TSimd.Splat(v);
                a00 = Fma<TGuard>(p0, b, a00, z0);
                if (two) a01 = Fma<TGuard>(p1, b, a01, z1);
                b = TSimd.Splat(Unsafe.Add(ref v, 1));
                a10 = Fma<TGuard>(p0, b, a10, z0);
                if (two) a11 = Fma<TGuard>(p1, b, a11, z1);
                b = TSimd.Splat(Unsafe.Add(ref v, 2));
                a20 = Fma<TGuard>(p0, b, a20, z0);
                if (two) a21 = Fma<TGuard>(p1, b, a21, z1);
                b = TSimd.Splat(Unsafe.Add(ref v, 3));
                a30 = Fma<TGuard>(p0, b, a30, z0);
                if (two) a31 = Fma<TGuard>(p1, b, a31, z1);
                b = TSimd.Splat(Unsafe.Add(ref v, 4));
                a40 = Fma<TGuard>(p0, b, a40, z0);
                if (two) a41 = Fma<TGuard>(p1, b, a41, z1);
                b = TSimd.Splat(Unsafe.Add(ref v, 5));
                a50 = Fma<TGuard>(p0, b, a50, z0);
                if (two) a51 = Fma<TGuard>(p1, b, a51, z1);
            }

            StorePair(ref o, 0, two, a00, a01);
            StorePair(ref o, br, two, a10, a11);
            StorePair(ref o, 2 * br, two, a20, a21);
            StorePair(ref o, 3 * br, two, a30, a31);
            StorePair(ref o, 4 * br, two, a40, a41);
            StorePair(ref o, 5 * br, two, a50, a51);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(ref T row, nint offset, bool two, TVector a0, TVector a1)
    {
        TSimd.Store(a0, ref row, offset);
        if (two) TSimd.Store(a1, ref row, offset + TSimd.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadPair(ref T row, nint offset, bool two, TVector r0, TVector r1, out TVector a0, out TVector a1)
    {
        a0 = TSimd.Multiply(TSimd.Load(ref row, offset), r0);
        a1 = two ? TSimd.Multiply(TSimd.Load(ref row, offset + TSimd.Count), r1) : default;
    }
}
