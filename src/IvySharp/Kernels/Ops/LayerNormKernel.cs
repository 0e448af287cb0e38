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
        int vectors = Partials / TL.Count;
        Span<TV> sums = stackalloc TV[Partials];
        Span<TV> squares = stackalloc TV[Partials];
        sums = sums[..vectors];
        squares = squares[..vectors];
        sums.Fill(TL.Splat(0.0));
        squares.Fill(TL.Splat(0.0));
        TV sV = TL.Splat(s), negMean = TL.Splat(-mean);
        ref double x0 = ref OpSpans.Start(x);
        int main = x.Length - (x.Length % Partials);
        for (int i = 0; i < main; i += Partials)
        {
            for (int k = 0; k < vectors; k++)
            {
                TV d = TL.MultiplyAdd(TL.Load(ref x0, i + (k * TL.Count)), sV, negMean);
                sums[k] = TL.Add(d, sums[k]);
                squares[k] = TL.MultiplyAdd(d, d, squares[k]);
            }
        }

        Span<double> p = stackalloc double[Partials];
        Span<double> q = stackalloc double[Partials];
        for (int k = 0; k < vectors; k++)
        {
            TL.Store(sums[k], ref p[0], k * TL.Count);
            TL.Store(squares[k], ref q[0], k * TL.Count);
        }

        for (int i = main; i < x.Length; i++)
        {
            double d = Math.FusedMultiplyAdd(x[i], s, -mean);
            p[i - main] = d + p[i - main];
            q[i - main] = Math.FusedMultiplyAdd(d, d, q[i - main]);
        }

        return (Fold(p), Fold(q));
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
