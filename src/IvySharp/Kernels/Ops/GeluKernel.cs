using IvySharp.Internal;
using IvySharp.Planning;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// GELU element by element, in float64 for every dtype, rounded once to x's dtype:
/// exact <c>0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2)</c>, or the tanh approximation
/// <c>0.5·x·(1 + tanh(u))</c>, u = √(2/π)·(x + 0.044715·x³), evaluated as the equal x·σ(2u).
/// </summary>
/// <remarks>
/// <para>Both forms are written so the negative tail keeps its relative accuracy: 1 + erf(·) and 1 + tanh(·)
/// cancel to nothing there (in float32, 1 + erf(x/√2) is exactly 0 below x ≈ −5.5), erfc and the logistic
/// form do not. x/√2 is carried in two doubles (x·c rounded plus its exact residual and c's own error), so the
/// argument's rounding does not grow the error as the tail steepens. The tanh form's u is rounded (a few ulps), and
/// its tail is exp(2u): the relative error there grows as about 2|u| ulps, as it does in any float64 evaluation of
/// the formula (PyTorch's included).</para>
/// <para>Limits: GELU(+∞) = +∞ and GELU(−∞) = −0 (the limit of x·Φ(x); the formula itself would give
/// −∞·0 = NaN); NaN stays NaN. Scalar on purpose: the bits depend only on x and <see cref="Math.Exp"/>,
/// never on the SIMD width or the JIT tier.</para>
/// </remarks>
internal static class GeluKernel
{
    private const int ItemElements = 4096;

    // 1/√2 as the nearest double plus its error (mpmath): x/√2 = x·(C + CLow).
    private const double InvSqrt2 = 0.7071067811865476;
    private const double InvSqrt2Low = -4.8336466567264565e-17;
    private const double Sqrt2OverPi = 0.7978845608028654;
    private const double Kappa = 0.044715;

    /// <summary>The exact (erf) GELU of one float64.</summary>
    public static double Exact(double x)
    {
        if (double.IsNegativeInfinity(x)) return -0.0;
        if (double.IsNaN(x)) return x;

        // z = −x/√2 = zHigh + zLow.
        double zHigh = -x * InvSqrt2;
        double zLow = Math.FusedMultiplyAdd(-x, InvSqrt2, -zHigh) + (-x * InvSqrt2Low);
        double erfc = zHigh >= 0 ? Erfc.OfNonNegative(zHigh, zLow) : 2.0 - Erfc.OfNonNegative(-zHigh, -zLow);
        return 0.5 * x * erfc;
    }

    /// <summary>The tanh-approximated GELU of one float64.</summary>
    public static double Approximate(double x)
    {
        if (double.IsNegativeInfinity(x)) return -0.0;
        double u = Sqrt2OverPi * (x + (Kappa * (x * x * x)));

        // x·σ(2u), with the exponential taken of −2|u| so it never overflows: exp(710) would be ∞ and turn a
        // representable tail value (about −9e-308 at x = −21.17) into 0.
        if (u >= 0) return x / (1 + Math.Exp(-2 * u));
        double e = Math.Exp(2 * u);
        return x * e / (1 + e);
    }

    public static IvyArray Run(GeluPlan plan) => plan.DType switch
    {
        DType.Float64 => Run<double>(plan),
        DType.Float32 => Run<float>(plan),
        _ => Run<Half>(plan),
    };

    private static IvyArray Run<T>(GeluPlan plan)
        where T : unmanaged
    {
        IvyArray x = plan.X;
        int size = x.Size;
        using var output = OpOutput<T>.Create(plan.DType, plan.Out, x.Shape, size, [x], inPlace: x);
        using var xs = Operand<T>.Of(x);
        bool approximate = plan.Approximate;
        int items = (size + ItemElements - 1) / ItemElements;

        // ~40 flops per element for the erfc series and the exp; each element is read before it is written,
        // so an @out that is x itself is fine.
        ParallelPolicy.For(items, 40L * ItemElements, item =>
        {
            ReadOnlySpan<T> source = xs.Span;
            Span<T> destination = output.Span;
            int end = Math.Min(size, (item + 1) * ItemElements);
            for (int i = item * ItemElements; i < end; i++)
            {
                double v = ElementCast.ToDouble(source[i]);
                destination[i] = ElementCast.FromDouble<T>(approximate ? Approximate(v) : Exact(v));
            }
        });

        return output.Complete();
    }
}
