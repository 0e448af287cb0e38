using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Normalises one group (the elements that share a mean and a variance), in float64 on every width:
/// <c>y = (((x − mean) / sqrt(var + eps)) · scale + offset) · newStd</c>, with the population variance.
/// </summary>
/// <remarks>
/// <para>Two passes for the statistics (mean, then Σ(x − mean)²), not one: the one-pass formula
/// E[x²] − E[x]² cancels catastrophically when the mean is large against the spread.</para>
/// <para>Each sum is kept in 16 partial sums, element i going to partial i mod 16, folded in one fixed tree
/// ((p_j + p_{j+8}), then + 4, + 2, + 1): every width (16 scalars, 8 Vector128, 4 Vector256 or 2 Vector512)
/// applies the same operations to the same elements in the same order, so every variant gives the same bits,
/// whatever the address or the thread.</para>
/// <para>Finite inputs never overflow or underflow the statistics: when Σx or Σ(x − mean)² is not finite, or the
/// latter is below 2⁻⁹⁰⁰, the group is computed again on x·2⁻ᵉ (e the exponent of max|x|, a power of two, so the
/// scaling is exact): mean' = mean·2⁻ᵉ, var' = var·2⁻²ᵉ, eps' = eps·2⁻²ᵉ, and (x·2⁻ᵉ − mean') / sqrt(var' + eps')
/// is the same quotient. NaN or ±∞ in a group make the whole group NaN (IEEE arithmetic, as PyTorch).</para>
/// </remarks>
internal static class LayerNormKernel
{
    private const int Partials = 16;
    private static readonly double Tiny = Math.ScaleB(1.0, -900);

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
        double s = 1.0;
        double sum = Sum<TV, TL>(x, s, 0.0, squares: false);
        double mean = sum / g;
        double ssd = Sum<TV, TL>(x, s, mean, squares: true);
        double epsScaled = eps;
        if (!double.IsFinite(sum) || !double.IsFinite(ssd) || ssd < Tiny)
        {
            double max = MaxAbs(x);
            if (max > 0 && double.IsFinite(max))
            {
                double candidate = Math.ScaleB(1.0, -Math.ILogB(max));
                double candidateEps = eps * candidate * candidate;

                // An infinite eps·s² means eps dwarfs the variance: the unscaled result is already right.
                if (double.IsFinite(candidateEps))
                {
                    s = candidate;
                    epsScaled = candidateEps;
                    sum = Sum<TV, TL>(x, s, 0.0, squares: false);
                    mean = sum / g;
                    ssd = Sum<TV, TL>(x, s, mean, squares: true);
                }
            }
        }

        double rstd = 1.0 / Math.Sqrt((ssd / g) + epsScaled);
        Apply<TV, TL>(x, s, mean, rstd, scale, offset, newStd, destination);
    }

    /// <summary>
    /// Σ x·s (<paramref name="squares"/> false) or Σ (x·s − mean)² (true) in the 16-partial order. x·s is exact
    /// (s is a power of two), so the fused forms below round exactly as the plain ones would.
    /// </summary>
    private static double Sum<TV, TL>(ReadOnlySpan<double> x, double s, double mean, bool squares)
        where TV : unmanaged
        where TL : IOpLanes<TV>
    {
        int vectors = Partials / TL.Count;
        Span<TV> acc = stackalloc TV[Partials];
        acc = acc[..vectors];
        acc.Fill(TL.Splat(0.0));
        TV sV = TL.Splat(s), negMean = TL.Splat(-mean);
        ref double x0 = ref OpSpans.Start(x);
        int main = x.Length - (x.Length % Partials);
        for (int i = 0; i < main; i += Partials)
        {
            for (int k = 0; k < vectors; k++)
            {
                TV v = TL.Load(ref x0, i + (k * TL.Count));
                if (squares)
                {
                    TV d = TL.MultiplyAdd(v, sV, negMean);
                    acc[k] = TL.MultiplyAdd(d, d, acc[k]);
                }
                else
                {
                    acc[k] = TL.MultiplyAdd(v, sV, acc[k]);
                }
            }
        }

        Span<double> p = stackalloc double[Partials];
        for (int k = 0; k < vectors; k++) TL.Store(acc[k], ref p[0], k * TL.Count);
        for (int i = main; i < x.Length; i++)
        {
            int j = i - main;
            if (squares)
            {
                double d = Math.FusedMultiplyAdd(x[i], s, -mean);
                p[j] = Math.FusedMultiplyAdd(d, d, p[j]);
            }
            else
            {
                p[j] = Math.FusedMultiplyAdd(x[i], s, p[j]);
            }
        }

        return Fold(p);
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
