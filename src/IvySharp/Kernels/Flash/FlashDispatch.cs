using System.Numerics;
using System.Runtime.Intrinsics;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>Picks the core's instantiation for a call: SIMD width from the variant, block height from L.</summary>
internal static class FlashDispatch
{
    public static void Attend<T>(CoreProblem<T> problem, KernelVariant variant)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (SimdWidths.Runnable(variant.Width))
        {
            case SimdWidth.Vector512:
                ByRows<T, Vector512<T>, Simd512<T>>(problem);
                break;
            case SimdWidth.Vector256:
                ByRows<T, Vector256<T>, Simd256<T>>(problem);
                break;
            case SimdWidth.Vector128:
                ByRows<T, Vector128<T>, Simd128<T>>(problem);
                break;
            default:
                ByRows<T, T, ScalarSimd<T>>(problem);
                break;
        }
    }

    // Short queries get short blocks: a block's rows are SIMD lanes, and lanes past L are wasted work;
    // the shortest (decode) put the head width in the lanes instead.
    private static void ByRows<T, TVector, TSimd>(CoreProblem<T> problem)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVector : struct
        where TSimd : ISimd<T, TVector>
    {
        int lanes = TSimd.Count;
        if (FlashNarrow<T, TVector, TSimd>.Applies(problem))
        {
            FlashNarrow<T, TVector, TSimd>.Run(problem);
            if (problem.Weights is not null) FlashCore<T, TVector, TSimd, OneRowVector>.WeightsOnly(problem);
        }
        else if (problem.L <= lanes)
        {
            FlashCore<T, TVector, TSimd, OneRowVector>.Run(problem);
        }
        else if (problem.L <= 2 * lanes)
        {
            FlashCore<T, TVector, TSimd, TwoRowVectors>.Run(problem);
        }
        else
        {
            FlashCore<T, TVector, TSimd, FourRowVectors>.Run(problem);
        }
    }
}
