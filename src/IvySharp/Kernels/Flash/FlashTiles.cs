using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IvySharp.Kernels.Simd;

using IvySharp.Kernels.Rules;

namespace IvySharp.Kernels.Flash;

/// <summary>A query block of one register of rows (the counts are JIT-time constants, so unused accumulators vanish).</summary>
internal readonly struct OneRowVector : ICount
{
    public static int Value => 1;
}

/// <summary>A query block of two registers of rows.</summary>
internal readonly struct TwoRowVectors : ICount
{
    public static int Value => 2;
}

/// <summary>A query block of four registers of rows.</summary>
internal readonly struct FourRowVectors : ICount
{
    public static int Value => 4;
}

/// <summary>Whether P·V must give a weight of exactly 0 no influence, even against a NaN or ∞ value (a JIT-time constant).</summary>
internal interface IZeroGuard
{
    static abstract bool Enabled { get; }
}

/// <summary>Plain fused multiply-adds: for finite values, 0 · v adds nothing anyway.</summary>
internal readonly struct Unguarded : IZeroGuard
{
    public static bool Enabled => false;
}

/// <summary>Lanes whose weight is 0 keep their accumulator (as the plain path skips zero weights).</summary>
internal readonly struct ZeroGuarded : IZeroGuard
{
    public static bool Enabled => true;
}

/// <summary>
/// The two register-blocked products of a tile, with the query rows of the block in the SIMD lanes:
/// scoresᵀ (keys × rows) = K · Qᵀ and outᵀ (d × rows) += V ᵀ· Pᵀ. Every element of K and V is broadcast to
/// a register and multiplied into R row-registers, so neither K nor V needs packing, any head width d
/// works without padding, and the row statistics of the softmax are plain lane-wise operations.
/// </summary>
/// <remarks>
/// Blocking: 4 keys (scores) or 4 output features (P·V) × <see cref="Group"/> row registers = up to 16
/// accumulators, with Group loads and 4 broadcasts per 4·Group fused multiply-adds. Zen 4 issues one 512-bit
/// FMA and two loads per cycle, so this ratio keeps the FMA unit busy from L1. On 16-register widths a pass
/// takes at most 2 row registers (8 accumulators), so nothing spills.
/// </remarks>
internal static partial class FlashTiles<T, TVector, TSimd, TRows>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
    where TRows : ICount
{
    /// <summary>Rows of a query block: R registers of lanes.</summary>
    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Value * TSimd.Count;
    }

    /// <summary>
    /// Row registers one micro-kernel pass carries: all R where the width names 32 registers (4 × 4 accumulators
    /// + 4 broadcasts + a row load fit), at most 2 where it names 16 (AVX2/SSE: 4 × 2 + 4 + 2 = 14). A block of 4
    /// row registers then runs in two passes over the same K (or V) tile, reloaded from L1; each element's sum
    /// still runs over the same keys (or features) in the same order, so the bits don't change.
    /// </summary>
    public static int Group
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TSimd.Registers >= 32 ? TRows.Value : Math.Min(TRows.Value, 2);
    }

    /// <summary>
    /// qᵀ[c, r] = scale · q[first + r, c] for the block's rows (zeros past <paramref name="rows"/>), d × BlockRows.
    /// The scale rides on q so the scores come out scaled (exact for the usual power-of-two 1/√d).
    /// </summary>
    /// <returns>
    /// max |x| of the packed block; a non-finite value when some element is NaN or ±∞. The out flag is set when scale·q
    /// is ±0 for some nonzero q element (<see cref="ScalePlacement{T}.LosesQuery"/>).
    /// </returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe double PackQueryTransposed(ref T query, nint rowStride, int rows, int depth, T scale, Span<T> packed, out bool lost)
    {
        int br = BlockRows;
        if (typeof(TVector) != typeof(T) && T.IsFinite(scale) && rowStride <= int.MaxValue && (rows <= 1 || depth <= rowStride))
        {
            // The GEMM's register transposes, then the scale on whole registers: the same products as below, written
            // element by element there (a scalar store per element was 3 % of a bert-base core's time on 256 bits). A
            // finite scale keeps the cleared lanes past the rows at 0 (scale · 0).
            Span<T> target = packed[..(depth * br)];
            fixed (T* source = &query, destination = target)
            {
                Gemm.GemmPacking<T>.Transpose(source, (int)rowStride, rows, depth, destination, br, vectorized: true);
            }

            // The same pass finds max |x| for the guards (a separate TensorPrimitives.MaxMagnitude pass over the block
            // was 5 % of the core): max(x, −x) is |x| for every finite x, and x − x is 0 only for finite x.
            // The lost lanes (x = ±0 from q ≠ 0) in the same pass: a compare of each against 0, q's picking the lanes that were 0 already.
            TVector factor = TSimd.Splat(scale), largest = TSimd.Zero, nonFinite = TSimd.Zero, lostLanes = TSimd.Zero;
            ref T start = ref MemoryMarshal.GetReference(target);
            for (int i = 0; i < target.Length; i += TSimd.Count)
            {
                TVector q = TSimd.Load(ref start, i);
                TVector x = TSimd.Multiply(q, factor);
                TSimd.Store(x, ref start, i);
                largest = TSimd.MaxNative(largest, TSimd.MaxNative(x, TSimd.Subtract(TSimd.Zero, x)));
                nonFinite = TSimd.Or(nonFinite, TSimd.Subtract(x, x));
                lostLanes = TSimd.Or(lostLanes, TSimd.Select(TSimd.Equals(q, TSimd.Zero), TSimd.Zero, TSimd.Equals(x, TSimd.Zero)));
            }

            lost = TSimd.Any(lostLanes);
            if (TSimd.Sum(nonFinite) != T.Zero) return double.NaN;
            Span<T> lanes = stackalloc T[TSimd.Count];
            TSimd.Store(largest, ref MemoryMarshal.GetReference(lanes), 0);
            T max = T.Zero;
            foreach (T lane in lanes) max = T.Max(max, lane);
            return double.CreateTruncating(max);
        }

        packed[..(depth * br)].Clear();
        lost = false;
        for (int r = 0; r < rows; r++)
        {
            ref T row = ref Unsafe.Add(ref query, r * rowStride);
            for (int c = 0; c < depth; c++)
            {
                T q = Unsafe.Add(ref row, c), x = scale * q;
                packed[(c * br) + r] = x;
                lost |= ScalePlacement<T>.LosesQuery(q, x);
            }
        }

        return FlashGuards<T>.MaxMagnitude(packed[..(depth * br)]);
    }

    /// <summary>scores[j, ·] = K[j] · qᵀ for <paramref name="columns"/> keys starting at <paramref name="keys"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(ref T queryT, int depth, ref T keys, nint keyStride, int columns, ref T scores)
    {
        int w = TSimd.Count;
        _ = BlockRows;
        int rv = Group;
        for (int g = 0; g < TRows.Value; g += rv)
        {
            if (rv == TRows.Value) ScoresGroup<TRows>(ref Unsafe.Add(ref queryT, g * w), depth, ref keys, keyStride, columns, ref Unsafe.Add(ref scores, g * w));
            else ScoresGroup<Two>(ref Unsafe.Add(ref queryT, g * w), depth, ref keys, keyStride, columns, ref Unsafe.Add(ref scores, g * w));
        }
    }

    /// <summary><see cref="Scores"/> for the <typeparamref name="TGroup"/> row registers from <paramref name="queryT"/> (a JIT-time constant per instantiation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresGroup<TGroup>(ref T queryT, int depth, ref T keys, nint keyStride, int columns, ref T scores)
        where TGroup : ICount
    {
        int w = TSimd.Count, br = BlockRows, rv = TGroup.Value;
        int j = 0;
        if (SixWide<TGroup>())
        {
            j = SixWideSpan(columns);
            ScoresSix<TGroup>(ref queryT, depth, ref keys, keyStride, j, ref scores);
        }

        for (; j + 4 <= columns; j += 4)
        {
            ref T k0 = ref Unsafe.Add(ref keys, j * keyStride);
            ref T k1 = ref Unsafe.Add(ref k0, keyStride);
            ref T k2 = ref Unsafe.Add(ref k1, keyStride);
            ref T k3 = ref Unsafe.Add(ref k2, keyStride);
            TVector a00 = TSimd.Zero, a01 = TSimd.Zero, a02 = TSimd.Zero, a03 = TSimd.Zero;
            TVector a10 = TSimd.Zero, a11 = TSimd.Zero, a12 = TSimd.Zero, a13 = TSimd.Zero;
            TVector a20 = TSimd.Zero, a21 = TSimd.Zero, a22 = TSimd.Zero, a23 = TSimd.Zero;
            TVector a30 = TSimd.Zero, a31 = TSimd.Zero, a32 = TSimd.Zero, a33 = TSimd.Zero;
            ref T q = ref queryT;
            for (int c = 0; c < depth; c++, q = ref Unsafe.Add(ref q, br))
            {
                TVector b0 = TSimd.Splat(Unsafe.Add(ref k0, c)), b1 = TSimd.Splat(Unsafe.Add(ref k1, c));
                TVector b2 = TSimd.Splat(Unsafe.Add(ref k2, c)), b3 = TSimd.Splat(Unsafe.Add(ref k3, c));
                TVector q0 = TSimd.Load(ref q, 0);
                a00 = TSimd.MultiplyAdd(q0, b0, a00); a10 = TSimd.MultiplyAdd(q0, b1, a10);
                a20 = TSimd.MultiplyAdd(q0, b2, a20); a30 = TSimd.MultiplyAdd(q0, b3, a30);
                if (rv > 1)
                {
                    TVector q1 = TSimd.Load(ref q, w);
                    a01 = TSimd.MultiplyAdd(q1, b0, a01); a11 = TSimd.MultiplyAdd(q1, b1, a11);
                    a21 = TSimd.MultiplyAdd(q1, b2, a21); a31 = TSimd.MultiplyAdd(q1, b3, a31);
                }

                if (rv > 2)
                {
                    TVector q2 = TSimd.Load(ref q, 2 * w), q3 = TSimd.Load(ref q, 3 * w);
                    a02 = TSimd.MultiplyAdd(q2, b0, a02); a12 = TSimd.MultiplyAdd(q2, b1, a12);
                    a22 = TSimd.MultiplyAdd(q2, b2, a22); a32 = TSimd.MultiplyAdd(q2, b3, a32);
                    a03 = TSimd.MultiplyAdd(q3, b0, a03); a13 = TSimd.MultiplyAdd(q3, b1, a13);
                    a23 = TSimd.MultiplyAdd(q3, b2, a23); a33 = TSimd.MultiplyAdd(q3, b3, a33);
                }
            }

            ref T s = ref Unsafe.Add(ref scores, j * br);
            StoreRow(ref s, 0, rv, a00, a01, a02, a03);
            StoreRow(ref s, br, rv, a10, a11, a12, a13);
            StoreRow(ref s, 2 * br, rv, a20, a21, a22, a23);
            StoreRow(ref s, 3 * br, rv, a30, a31, a32, a33);
        }

        for (; j < columns; j++)
        {
            ref T k0 = ref Unsafe.Add(ref keys, j * keyStride);
            TVector a0 = TSimd.Zero, a1 = TSimd.Zero, a2 = TSimd.Zero, a3 = TSimd.Zero;
            ref T q = ref queryT;
            for (int c = 0; c < depth; c++, q = ref Unsafe.Add(ref q, br))
            {
                TVector b0 = TSimd.Splat(Unsafe.Add(ref k0, c));
                a0 = TSimd.MultiplyAdd(TSimd.Load(ref q, 0), b0, a0);
                if (rv > 1) a1 = TSimd.MultiplyAdd(TSimd.Load(ref q, w), b0, a1);
                if (rv > 2)
                {
                    a2 = TSimd.MultiplyAdd(TSimd.Load(ref q, 2 * w), b0, a2);
                    a3 = TSimd.MultiplyAdd(TSimd.Load(ref q, 3 * w), b0, a3);
                }
            }

            StoreRow(ref scores, j * br, rv, a0, a1, a2, a3);
        }
    }

    /// <summary>
    /// outᵀ[c, ·] = outᵀ[c, ·] · rescale + Σⱼ P[j, ·] · V[j, c] over <paramref name="columns"/> keys: the online
    /// softmax's correction of the earlier tiles fused into the accumulator load. Guarded, a lane whose
    /// weight is 0 is left as it is, so a masked key's NaN or ∞ value has no influence; for finite values
    /// both forms give the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateValues<TGuard>(
        ref T probabilities, int columns, ref T values, nint valueStride, int depth, ref T outT, ref T rescale)
        where TGuard : IZeroGuard
    {
        int w = TSimd.Count;
        _ = BlockRows;
        int rv = Group;
        for (int g = 0; g < TRows.Value; g += rv)
        {
            if (rv == TRows.Value) AccumulateGroup<TGuard, TRows>(ref Unsafe.Add(ref probabilities, g * w), columns, ref values, valueStride, depth, ref Unsafe.Add(ref outT, g * w), ref Unsafe.Add(ref rescale, g * w));
            else AccumulateGroup<TGuard, Two>(ref Unsafe.Add(ref probabilities, g * w), columns, ref values, valueStride, depth, ref Unsafe.Add(ref outT, g * w), ref Unsafe.Add(ref rescale, g * w));
        }
    }

    /// <summary><see cref="AccumulateValues"/> for the <typeparamref name="TGroup"/> row registers from <paramref name="outT"/> (a JIT-time constant per instantiation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateGroup<TGuard, TGroup>(
        ref T probabilities, int columns, ref T values, nint valueStride, int depth, ref T outT, ref T rescale)
        where TGuard : IZeroGuard
        where TGroup : ICount
    {
        int w = TSimd.Count, br = BlockRows, rv = TGroup.Value;
        TVector r0 = TSimd.Load(ref rescale, 0);
        TVector r1 = rv > 1 ? TSimd.Load(ref rescale, w) : default;
        TVector r2 = rv > 2 ? TSimd.Load(ref rescale, 2 * w) : default;
        TVector r3 = rv > 2 ? TSimd.Load(ref rescale, 3 * w) : default;
        int c = 0;
        if (SixWide<TGroup>())
        {
            c = SixWideSpan(depth);
            AccumulateSix<TGuard, TGroup>(ref probabilities, columns, ref values, valueStride, c, ref outT, r0, r1);
        }

        for (; c + 4 <= depth; c += 4)
        {
            ref T o = ref Unsafe.Add(ref outT, c * br);
            LoadRow(ref o, 0, rv, r0, r1, r2, r3, out TVector a00, out TVector a01, out TVector a02, out TVector a03);
            LoadRow(ref o, br, rv, r0, r1, r2, r3, out TVector a10, out TVector a11, out TVector a12, out TVector a13);
            LoadRow(ref o, 2 * br, rv, r0, r1, r2, r3, out TVector a20, out TVector a21, out TVector a22, out TVector a23);
            LoadRow(ref o, 3 * br, rv, r0, r1, r2, r3, out TVector a30, out TVector a31, out TVector a32, out TVector a33);
            ref T p = ref probabilities;
            ref T v = ref Unsafe.Add(ref values, c);
            for (int j = 0; j < columns; j++, p = ref Unsafe.Add(ref p, br), v = ref Unsafe.Add(ref v, valueStride))
            {
                TVector b0 = TSimd.Splat(v), b1 = TSimd.Splat(Unsafe.Add(ref v, 1));
                TVector b2 = TSimd.Splat(Unsafe.Add(ref v, 2)), b3 = TSimd.Splat(Unsafe.Add(ref v, 3));
                TVector p0 = TSimd.Load(ref p, 0), z0 = ZeroLanes<TGuard>(p0);
                a00 = Fma<TGuard>(p0, b0, a00, z0); a10 = Fma<TGuard>(p0, b1, a10, z0);
                a20 = Fma<TGuard>(p0, b2, a20, z0); a30 = Fma<TGuard>(p0, b3, a30, z0);
                if (rv > 1)
                {
                    TVector p1 = TSimd.Load(ref p, w), z1 = ZeroLanes<TGuard>(p1);
                    a01 = Fma<TGuard>(p1, b0, a01, z1); a11 = Fma<TGuard>(p1, b1, a11, z1);
                    a21 = Fma<TGuard>(p1, b2, a21, z1); a31 = Fma<TGuard>(p1, b3, a31, z1);
                }

                if (rv > 2)
                {
                    TVector p2 = TSimd.Load(ref p, 2 * w), z2 = ZeroLanes<TGuard>(p2);
                    TVector p3 = TSimd.Load(ref p, 3 * w), z3 = ZeroLanes<TGuard>(p3);
                    a02 = Fma<TGuard>(p2, b0, a02, z2); a12 = Fma<TGuard>(p2, b1, a12, z2);
                    a22 = Fma<TGuard>(p2, b2, a22, z2); a32 = Fma<TGuard>(p2, b3, a32, z2);
                    a03 = Fma<TGuard>(p3, b0, a03, z3); a13 = Fma<TGuard>(p3, b1, a13, z3);
                    a23 = Fma<TGuard>(p3, b2, a23, z3); a33 = Fma<TGuard>(p3, b3, a33, z3);
                }
            }

            StoreRow(ref o, 0, rv, a00, a01, a02, a03);
            StoreRow(ref o, br, rv, a10, a11, a12, a13);
            StoreRow(ref o, 2 * br, rv, a20, a21, a22, a23);
            StoreRow(ref o, 3 * br, rv, a30, a31, a32, a33);
        }

        for (; c < depth; c++)
        {
            ref T o = ref Unsafe.Add(ref outT, c * br);
            LoadRow(ref o, 0, rv, r0, r1, r2, r3, out TVector a0, out TVector a1, out TVector a2, out TVector a3);
            ref T p = ref probabilities;
            ref T v = ref Unsafe.Add(ref values, c);
            for (int j = 0; j < columns; j++, p = ref Unsafe.Add(ref p, br), v = ref Unsafe.Add(ref v, valueStride))
            {
                TVector b0 = TSimd.Splat(v);
                TVector p0 = TSimd.Load(ref p, 0);
                a0 = Fma<TGuard>(p0, b0, a0, ZeroLanes<TGuard>(p0));
                if (rv > 1)
                {
                    TVector p1 = TSimd.Load(ref p, w);
                    a1 = Fma<TGuard>(p1, b0, a1, ZeroLanes<TGuard>(p1));
                }

                if (rv > 2)
                {
                    TVector p2 = TSimd.Load(ref p, 2 * w), p3 = TSimd.Load(ref p, 3 * w);
                    a2 = Fma<TGuard>(p2, b0, a2, ZeroLanes<TGuard>(p2));
                    a3 = Fma<TGuard>(p3, b0, a3, ZeroLanes<TGuard>(p3));
                }
            }

            StoreRow(ref o, 0, rv, a0, a1, a2, a3);
        }
    }

    /// <summary>True when every value of the <paramref name="rows"/> × <paramref name="depth"/> tile is finite.</summary>
    public static bool AllFinite(ref T values, nint stride, int rows, int depth)
    {
        if (stride == depth) return AllFinite(ref values, rows * depth);
        for (int j = 0; j < rows; j++)
        {
            if (!AllFinite(ref Unsafe.Add(ref values, j * stride), depth)) return false;
        }

        return true;
    }

    /// <summary>True when none of <paramref name="count"/> contiguous elements is NaN or ±∞.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ref T start, int count)
    {
        // x − x is +0 (all bits clear) for finite x and NaN otherwise. OR-ing the bits keeps any NaN with a
        // one-cycle dependency, where a running sum would wait on the adder's latency every step.
        int w = TSimd.Count, i = 0;
        TVector a0 = TSimd.Zero, a1 = TSimd.Zero;
        for (; i + (2 * w) <= count; i += 2 * w)
        {
            TVector x0 = TSimd.Load(ref start, i), x1 = TSimd.Load(ref start, i + w);
            a0 = TSimd.Or(a0, TSimd.Subtract(x0, x0));
            a1 = TSimd.Or(a1, TSimd.Subtract(x1, x1));
        }

        T tail = T.Zero;
        for (; i < count; i++) tail += Unsafe.Add(ref start, i) - Unsafe.Add(ref start, i);
        return tail == T.Zero && TSimd.Sum(TSimd.Or(a0, a1)) == T.Zero;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ZeroLanes<TGuard>(TVector p)
        where TGuard : IZeroGuard => TGuard.Enabled ? RowRules<T, TVector, TSimd>.ZeroWeights(p) : default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Fma<TGuard>(TVector p, TVector v, TVector accumulator, TVector zeroLanes)
        where TGuard : IZeroGuard =>
        TGuard.Enabled ? RowRules<T, TVector, TSimd>.Accumulate(p, v, accumulator, zeroLanes) : TSimd.MultiplyAdd(p, v, accumulator);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ref T row, nint offset, int rv, TVector a0, TVector a1, TVector a2, TVector a3)
    {
        int w = TSimd.Count;
        TSimd.Store(a0, ref row, offset);
        if (rv > 1) TSimd.Store(a1, ref row, offset + w);
        if (rv > 2)
        {
            TSimd.Store(a2, ref row, offset + (2 * w));
            TSimd.Store(a3, ref row, offset + (3 * w));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRow(
        ref T row, nint offset, int rv, TVector r0, TVector r1, TVector r2, TVector r3,
        out TVector a0, out TVector a1, out TVector a2, out TVector a3)
    {
        int w = TSimd.Count;
        a0 = TSimd.Multiply(TSimd.Load(ref row, offset), r0);
        a1 = rv > 1 ? TSimd.Multiply(TSimd.Load(ref row, offset + w), r1) : default;
        a2 = rv > 2 ? TSimd.Multiply(TSimd.Load(ref row, offset + (2 * w)), r2) : default;
        a3 = rv > 2 ? TSimd.Multiply(TSimd.Load(ref row, offset + (3 * w)), r3) : default;
    }
}
