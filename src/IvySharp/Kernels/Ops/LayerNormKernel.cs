using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Normalises one group (the elements that share a mean and a variance), in float64 on every width:
/// <c>y = (((x − mean) / sqrt(var + eps)) · scale + offset) · newStd</c>, with the population variance.
/// </summary>
/// <remarks>
/// <para>The statistics take passes over the group (mean, then the deviations from it, see
/// <see cref="Statistics{TV, TL}"/>), never the one-pass E[x²] − E[x]², which cancels catastrophically when
/// the mean is large against the spread.</para>
/// <para>Each sum is kept in 16 partial sums, element i going to partial i mod 16, folded in one fixed tree
/// ((p_j + p_{j+8}), then + 4, + 2, + 1): every width (16 scalars, 8 Vector128, 4 Vector256 or 2 Vector512)
/// applies the same operations to the same elements in the same order, so every variant gives the same bits,
/// whatever the address or the thread.</para>
/// <para>Finite inputs never overflow or underflow the statistics: when the mean or Σ(x − mean)² is not finite, or the
/// latter is below 2⁻⁹⁰⁰, the group is computed again on x·2⁻ᵉ (e the exponent of max|x|, clamped to [−1000, 1022];
/// a power of two, so the scaling is exact but for elements too small to matter): mean' = mean·2⁻ᵉ, var' = var·2⁻²ᵉ, eps' = eps·2⁻²ᵉ, and (x·2⁻ᵉ − mean') / sqrt(var' + eps')
/// is the same quotient. NaN or ±∞ in a group make the whole group NaN (IEEE arithmetic, as PyTorch).</para>
/// </remarks>
internal static class LayerNormKernel
{
    private const int Partials = 16;
    private static readonly double s_tiny = Math.ScaleB(1.0, -900);

    /// <summary>Normalises <paramref name="x"/> into <paramref name="destination"/> (same length; may be the same memory).</summary>
    /// <param name="x">The group, at least one element.</param>
    /// <param name="scale">Empty, or one factor per element.</param>
    /// <param name="offset">Empty, or one term per element.</param>
    /// <param name="eps">Finite, ≥ 0.</param>
    /// <param name="newStd">Finite; the final factor.</param>
    /// <param name="destination">Receives the result.</param>
    /// <param name="width">The SIMD width (a width the processor lacks falls back to a narrower one).</param>
    public static void Normalize(
        ReadOnlySpan<double> x, ReadOnlySpan<double> scale, ReadOnlySpan<double> offset, double eps, double newStd,
        Span<double> destination, SimdWidth width)
    {
        switch (SimdWidths.Runnable(width))
        {
            case SimdWidth.Vector512: Normalize<Vector512<double>, OpLanes512>(x, scale, offset, eps, newStd, destination); break;
            case SimdWidth.Vector256: Normalize<Vector256<double>, OpLanes256>(x, scale, offset, eps, newStd, destination); break;
            case SimdWidth.Vector128: Normalize<Vector128<double>, OpLanes128>(x, scale, offset, eps, newStd, destination); break;
            default: Normalize<double, OpLanesScalar>(x, scale, offset, eps, newStd, destination); break;
        }
    }

    private static void Normalize<TV, TL>(
        ReadOnlySpan<double> x, ReadOnlySpan<double> scale, ReadOnlySpan<double> offset, double eps, double newStd, Span<double> destination)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        int g = x.Length;
        double s = 1.0, epsScaled = eps;
        (double mean, double ssd) = Statistics<TV, TL>(x, s);
        if (!double.IsFinite(mean) || !double.IsFinite(ssd) || ssd < s_tiny)
        {
            double max = MaxAbs(x);
            if (max > 0 && double.IsFinite(max))
            {
                // 2⁻ᵉ brings max|x| to [1, 2); clamped so the factor itself stays a finite double (a subnormal group
                // only needs to reach the normal range). eps = 0 stays 0 (0·∞ would be NaN).
                double candidate = Math.ScaleB(1.0, Math.Clamp(-Math.ILogB(max), -1022, 1000));
                double candidateEps = eps == 0 ? 0 : eps * candidate * candidate;

                // An infinite eps·s² means eps dwarfs the variance: the unscaled result is already right.
                if (double.IsFinite(candidateEps))
                {
                    s = candidate;
                    epsScaled = candidateEps;
                    (mean, ssd) = Statistics<TV, TL>(x, s);
                }
            }
        }

        double rstd = 1.0 / Math.Sqrt((ssd / g) + epsScaled);
        Apply<TV, TL>(x, s, mean, rstd, scale, offset, newStd, destination);
    }

    /// <summary>
    /// The mean and Σ(x·s − mean)² of x·s (s a power of two, so x·s is exact), by the corrected two-pass method:
    /// a first mean m₀ = Σx·s / G, then the deviations d = x·s − m₀ give mean = m₀ + Σd / G and
    /// Σ(x·s − mean)² = Σd² − (Σd)² / G, which removes most of m₀'s rounding (Chan, Golub and LeVeque).
    /// </summary>
    private static (double Mean, double SumOfSquares) Statistics<TV, TL>(ReadOnlySpan<double> x, double s)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        int g = x.Length;
        double m0 = Sums<TV, TL>(x, s, 0.0).Sum / g;
        (double sumD, double sumD2) = Sums<TV, TL>(x, s, m0);
        if (!double.IsFinite(m0)) return (m0, sumD2);
        return (m0 + (sumD / g), Math.Max(0.0, sumD2 - (sumD * sumD / g)));
    }

    /// <summary>
    /// Σ d and Σ d² of d = x·s − mean (mean 0 gives Σ x·s), each in the 16-partial order, in one pass. x·s is
    /// exact, so the fused forms below round exactly as the plain ones would.
    /// </summary>
    private static (double Sum, double SumOfSquares) Sums<TV, TL>(ReadOnlySpan<double> x, double s, double mean)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        Span<double> p = stackalloc double[Partials];
        Span<double> q = stackalloc double[Partials];
        int main = x.Length - (x.Length % Partials);
        if (TL.Count >= 2) VectorSums<TV, TL>(x, s, mean, main, p, q);
        else ScalarSums<TV, TL>(x, s, mean, main, p, q);

        for (int i = main; i < x.Length; i++)
        {
            double d = Math.FusedMultiplyAdd(x[i], s, -mean);
            p[i - main] = d + p[i - main];
            q[i - main] = Math.FusedMultiplyAdd(d, d, q[i - main]);
        }

        return (Fold(p), Fold(q));
    }

    /// <summary>
    /// The 16 partials of the first <paramref name="main"/> elements held in registers, 16 / W vectors (at most 8):
    /// the partials in a stack span made every step a store and a reload of its accumulator, a quarter of a
    /// layer norm's time. The guards on <c>vectors</c> are constants once the JIT specialises the width.
    /// </summary>
    private static void VectorSums<TV, TL>(ReadOnlySpan<double> x, double s, double mean, int main, Span<double> p, Span<double> q)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        int vectors = Partials / TL.Count, w = TL.Count;
        TV zero = TL.Splat(0.0), sV = TL.Splat(s), negMean = TL.Splat(-mean);
        TV s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
        TV q0 = zero, q1 = zero, q2 = zero, q3 = zero, q4 = zero, q5 = zero, q6 = zero, q7 = zero;
        ref double x0 = ref OpSpans.Start(x);
        for (int i = 0; i < main; i += Partials)
        {
            Step(ref x0, i, sV, negMean, ref s0, ref q0);
            Step(ref x0, i + w, sV, negMean, ref s1, ref q1);
            if (vectors > 2)
            {
                Step(ref x0, i + (2 * w), sV, negMean, ref s2, ref q2);
                Step(ref x0, i + (3 * w), sV, negMean, ref s3, ref q3);
            }

            if (vectors > 4)
            {
                Step(ref x0, i + (4 * w), sV, negMean, ref s4, ref q4);
                Step(ref x0, i + (5 * w), sV, negMean, ref s5, ref q5);
                Step(ref x0, i + (6 * w), sV, negMean, ref s6, ref q6);
                Step(ref x0, i + (7 * w), sV, negMean, ref s7, ref q7);
            }
        }

        ReadOnlySpan<TV> sums = [s0, s1, s2, s3, s4, s5, s6, s7], squares = [q0, q1, q2, q3, q4, q5, q6, q7];
        for (int k = 0; k < vectors; k++)
        {
            TL.Store(sums[k], ref p[0], k * w);
            TL.Store(squares[k], ref q[0], k * w);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(ref double x0, int at, TV sV, TV negMean, ref TV sum, ref TV square)
        {
            TV d = TL.MultiplyAdd(TL.Load(ref x0, at), sV, negMean);
            sum = TL.Add(d, sum);
            square = TL.MultiplyAdd(d, d, square);
        }
    }

    /// <summary>The scalar width: 16 accumulators, more than it has registers for, so they stay in a span.</summary>
    private static void ScalarSums<TV, TL>(ReadOnlySpan<double> x, double s, double mean, int main, Span<double> p, Span<double> q)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        p.Clear();
        q.Clear();
        for (int i = 0; i < main; i += Partials)
        {
            for (int k = 0; k < Partials; k++)
            {
                double d = Math.FusedMultiplyAdd(x[i + k], s, -mean);
                p[k] = d + p[k];
                q[k] = Math.FusedMultiplyAdd(d, d, q[k]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Fold(Span<double> p)
    {
        for (int half = Partials / 2; half >= 1; half /= 2)
        {
            for (int j = 0; j < half; j++) p[j] += p[j + half];
        }

        return p[0];
    }

    private static double MaxAbs(ReadOnlySpan<double> x)
    {
        double max = 0;
        foreach (double v in x)
        {
            double a = Math.Abs(v);
            if (!(a <= max)) max = a; // NaN wins, so a NaN group keeps the unscaled (NaN) result
        }

        return max;
    }

    /// <summary>y = (((x·s − mean) · rstd) · scale + offset) · newStd, element by element (x·s exact).</summary>
    private static void Apply<TV, TL>(
        ReadOnlySpan<double> x, double s, double mean, double rstd, ReadOnlySpan<double> scale, ReadOnlySpan<double> offset,
        double newStd, Span<double> destination)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        bool hasScale = !scale.IsEmpty, hasOffset = !offset.IsEmpty, hasStd = newStd != 1.0;
        TV sV = TL.Splat(s), negMean = TL.Splat(-mean), rstdV = TL.Splat(rstd), stdV = TL.Splat(newStd);
        ref double x0 = ref OpSpans.Start(x);
        ref double s0 = ref OpSpans.Start(scale);
        ref double o0 = ref OpSpans.Start(offset);
        ref double d0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        int n = x.Length, main = n - (n % TL.Count);
        for (int i = 0; i < main; i += TL.Count)
        {
            TV t = TL.Multiply(TL.MultiplyAdd(TL.Load(ref x0, i), sV, negMean), rstdV);
            if (hasScale) t = TL.Multiply(t, TL.Load(ref s0, i));
            if (hasOffset) t = TL.Add(t, TL.Load(ref o0, i));
            if (hasStd) t = TL.Multiply(t, stdV);
            TL.Store(t, ref d0, i);
        }

        for (int i = main; i < n; i++)
        {
            double t = Math.FusedMultiplyAdd(x[i], s, -mean) * rstd;
            if (hasScale) t *= scale[i];
            if (hasOffset) t += offset[i];
            if (hasStd) t *= newStd;
            destination[i] = t;
        }
    }
}
