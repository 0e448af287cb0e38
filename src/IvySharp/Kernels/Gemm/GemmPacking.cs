using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Packing for the micro-kernel: both operands are stored k-major ([k][lane]) so the kernel reads one
/// contiguous stream each. For W (columns, depth) and x (rows, depth) that is a transpose; small
/// square blocks are transposed in registers because element-by-element strided stores are several
/// times slower and W is repacked on every call.
/// </summary>
internal static unsafe class GemmPacking<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// destination[k·destinationStride + j] = source[j·sourceStride + k] for j &lt; count, k &lt; length;
    /// the columns count ≤ j &lt; destinationStride are zero (padding of a partial panel).
    /// </summary>
    /// <param name="source">First source row.</param>
    /// <param name="sourceStride">Elements between source rows.</param>
    /// <param name="count">Source rows (destination columns) to move.</param>
    /// <param name="length">Elements of each source row (destination rows).</param>
    /// <param name="destination">Packed output.</param>
    /// <param name="destinationStride">Elements between destination rows (≥ count).</param>
    /// <param name="vectorized">False keeps the scalar path (the Scalar variant never touches SIMD).</param>
    /// <param name="clearPadding">False leaves the destination columns past <paramref name="count"/> alone (a
    /// block written into a wider row, as the attention core writes one head's columns).</param>
    /// <remarks>Optimised from the first call: at tier 0 the register transposes run many times slower, and small calls would pay that for their first ~100 ms.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(T* source, int sourceStride, int count, int length, T* destination, int destinationStride, bool vectorized, bool clearPadding = true)
    {
        // The pointers carry no length, so the callers (GemmJob) check each region against its buffer; what is
        // checkable here is the shape: the blocks below write columns j..j+7 < count of each destination row, and
        // a count past the stride would spill into the next row (and clear a negative padding).
        Debug.Assert(count >= 0 && length >= 0 && count <= destinationStride, $"{count} columns do not fit a destination stride of {destinationStride}.");
        Debug.Assert(count <= 1 || length <= sourceStride, $"source rows of {length} overlap at stride {sourceStride}.");
        int j = 0;
        if (vectorized && typeof(T) == typeof(float) && Avx.IsSupported)
        {
            for (; j + 8 <= count; j += 8)
            {
                Transpose8x8((float*)source + (j * sourceStride), sourceStride, length, (float*)destination + j, destinationStride);
            }
        }
        else if (vectorized && typeof(T) == typeof(double) && Avx.IsSupported)
        {
            for (; j + 4 <= count; j += 4)
            {
                Transpose4x4((double*)source + (j * sourceStride), sourceStride, length, (double*)destination + j, destinationStride);
            }
        }

        if (vectorized && typeof(T) == typeof(float) && Sse.IsSupported)
        {
            for (; j + 4 <= count; j += 4)
            {
                Transpose4x4((float*)source + (j * sourceStride), sourceStride, length, (float*)destination + j, destinationStride);
            }
        }

        if (vectorized && typeof(T) == typeof(double) && Sse2.IsSupported)
        {
            for (; j + 2 <= count; j += 2)
            {
                Transpose2x2((double*)source + (j * sourceStride), sourceStride, length, (double*)destination + j, destinationStride);
            }
        }

        for (; j < count; j++)
        {
            T* from = source + (j * sourceStride);
            T* to = destination + j;
            for (int k = 0; k < length; k++) to[k * destinationStride] = from[k];
        }

        if (clearPadding && count < destinationStride)
        {
            for (int k = 0; k < length; k++)
            {
                new Span<T>(destination + (k * destinationStride) + count, destinationStride - count).Clear();
            }
        }
    }

    /// <summary>
    /// Eight source rows, all of k, eight k at a time through an 8 × 8 register transpose. Rows j and
    /// j + 4 share a register (halves loaded straight into place), so only 16 in-lane shuffles remain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8x8(float* source, int sourceStride, int length, float* destination, int destinationStride)
    {
        float* s0 = source, s1 = s0 + sourceStride, s2 = s1 + sourceStride, s3 = s2 + sourceStride;
        float* s4 = s3 + sourceStride, s5 = s4 + sourceStride, s6 = s5 + sourceStride, s7 = s6 + sourceStride;
        int k = 0;
        for (; k + 8 <= length; k += 8)
        {
            // r0 = a0..a3 | e0..e3, r1 = b | f, r2 = c | g, r3 = d | h; r4..r7 the same for k + 4..k + 7.
            Vector256<float> r0 = Pair(s0 + k, s4 + k), r1 = Pair(s1 + k, s5 + k), r2 = Pair(s2 + k, s6 + k), r3 = Pair(s3 + k, s7 + k);
            Vector256<float> r4 = Pair(s0 + k + 4, s4 + k + 4), r5 = Pair(s1 + k + 4, s5 + k + 4);
            Vector256<float> r6 = Pair(s2 + k + 4, s6 + k + 4), r7 = Pair(s3 + k + 4, s7 + k + 4);

            // a0 b0 a1 b1 | e0 f0 e1 f1 …, then a0 b0 c0 d0 | e0 f0 g0 h0: one k per register.
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

            float* to = destination + (k * destinationStride);
            Avx.Store(to, Avx.Shuffle(t0, t2, 0x44));
            Avx.Store(to + destinationStride, Avx.Shuffle(t0, t2, 0xEE));
            Avx.Store(to + (2 * destinationStride), Avx.Shuffle(t1, t3, 0x44));
            Avx.Store(to + (3 * destinationStride), Avx.Shuffle(t1, t3, 0xEE));
            Avx.Store(to + (4 * destinationStride), Avx.Shuffle(t4, t6, 0x44));
            Avx.Store(to + (5 * destinationStride), Avx.Shuffle(t4, t6, 0xEE));
            Avx.Store(to + (6 * destinationStride), Avx.Shuffle(t5, t7, 0x44));
            Avx.Store(to + (7 * destinationStride), Avx.Shuffle(t5, t7, 0xEE));
        }

        for (; k < length; k++)
        {
            float* to = destination + (k * destinationStride);
            for (int j = 0; j < 8; j++) to[j] = source[(j * sourceStride) + k];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(float* low, float* high) =>
        Avx.InsertVector128(Sse.LoadVector128(low).ToVector256Unsafe(), Sse.LoadVector128(high), 1);

    /// <summary>Four source rows of doubles through 4 × 4 register transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4x4(double* source, int sourceStride, int length, double* destination, int destinationStride)
    {
        int k = 0;
        for (; k + 4 <= length; k += 4)
        {
            double* from = source + k;
            Vector256<double> r0 = Avx.LoadVector256(from), r1 = Avx.LoadVector256(from + sourceStride);
            Vector256<double> r2 = Avx.LoadVector256(from + (2 * sourceStride)), r3 = Avx.LoadVector256(from + (3 * sourceStride));
            Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1); // a0 b0 | a2 b2 ; a1 b1 | a3 b3
            Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            double* to = destination + (k * destinationStride);
            Avx.Store(to, Avx.Permute2x128(t0, t2, 0x20));
            Avx.Store(to + destinationStride, Avx.Permute2x128(t1, t3, 0x20));
            Avx.Store(to + (2 * destinationStride), Avx.Permute2x128(t0, t2, 0x31));
            Avx.Store(to + (3 * destinationStride), Avx.Permute2x128(t1, t3, 0x31));
        }

        for (; k < length; k++)
        {
            double* to = destination + (k * destinationStride);
            for (int j = 0; j < 4; j++) to[j] = source[(j * sourceStride) + k];
        }
    }

    /// <summary>Four source rows, all of k, four k at a time through a 4 × 4 register transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4x4(float* source, int sourceStride, int length, float* destination, int destinationStride)
    {
        float* s0 = source, s1 = source + sourceStride, s2 = s1 + sourceStride, s3 = s2 + sourceStride;
        int k = 0;
        for (; k + 4 <= length; k += 4)
        {
            Vector128<float> v0 = Sse.LoadVector128(s0 + k), v1 = Sse.LoadVector128(s1 + k);
            Vector128<float> v2 = Sse.LoadVector128(s2 + k), v3 = Sse.LoadVector128(s3 + k);
            Vector128<float> t0 = Sse.UnpackLow(v0, v1), t1 = Sse.UnpackHigh(v0, v1); // a0 b0 a1 b1 | a2 b2 a3 b3
            Vector128<float> t2 = Sse.UnpackLow(v2, v3), t3 = Sse.UnpackHigh(v2, v3); // c0 d0 c1 d1 | c2 d2 c3 d3
            float* to = destination + (k * destinationStride);
            Sse.Store(to, Sse.MoveLowToHigh(t0, t2));
            Sse.Store(to + destinationStride, Sse.MoveHighToLow(t2, t0));
            Sse.Store(to + (2 * destinationStride), Sse.MoveLowToHigh(t1, t3));
            Sse.Store(to + (3 * destinationStride), Sse.MoveHighToLow(t3, t1));
        }

        for (; k < length; k++)
        {
            float* to = destination + (k * destinationStride);
            to[0] = s0[k];
            to[1] = s1[k];
            to[2] = s2[k];
            to[3] = s3[k];
        }
    }

    /// <summary>Two source rows through 2 × 2 register transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose2x2(double* source, int sourceStride, int length, double* destination, int destinationStride)
    {
        double* s0 = source, s1 = source + sourceStride;
        int k = 0;
        for (; k + 2 <= length; k += 2)
        {
            Vector128<double> v0 = Sse2.LoadVector128(s0 + k), v1 = Sse2.LoadVector128(s1 + k);
            double* to = destination + (k * destinationStride);
            Sse2.Store(to, Sse2.UnpackLow(v0, v1));
            Sse2.Store(to + destinationStride, Sse2.UnpackHigh(v0, v1));
        }

        if (k < length)
        {
            double* to = destination + (k * destinationStride);
            to[0] = s0[k];
            to[1] = s1[k];
        }
    }
}
