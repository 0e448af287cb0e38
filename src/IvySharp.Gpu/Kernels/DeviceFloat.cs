using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// The arithmetic kernels need beyond <see cref="INumber{TSelf}"/>'s operators, for one compute type on one kind
/// of accelerator. ILGPU compiles both branches of a run-time accelerator test and BCL helpers such as
/// <c>MathF.FusedMultiplyAdd</c> become unresolved <c>.extern</c> calls in PTX, so the choice is made when a kernel
/// is loaded instead: CUDA kernels are instantiated with the <c>Ptx*</c> structs (plain IL that ptxas turns into
/// FMAs), CPU-accelerator kernels with the <c>Cpu*</c> structs (the BCL's IEEE operation with the same
/// result). <c>PtxCompilationTests</c> compiles every CUDA instantiation to PTX and checks for <c>.extern</c>.
/// </summary>
internal interface IDeviceFloat<T>
    where T : unmanaged, INumber<T>
{
    static abstract T NegativeInfinity { get; }

    /// <summary>a·b + c with one rounding.</summary>
    static abstract T Fma(T a, T b, T c);

    /// <summary>x rounded to the nearest integer, ties to even.</summary>
    static abstract T RoundToEven(T x);

    /// <summary>eˣ for x ≤ 0, −∞ or NaN: the CPU engine's own exp (<c>VectorExp</c>), same reduction and polynomial.</summary>
    static abstract T ExpNonPositive(T x);

    static abstract T FromDouble(double x);

    static abstract double ToDouble(T x);

    /// <summary>True for NaN (x ≠ x: plain IL, unlike the BCL's bit test).</summary>
    static abstract bool IsNaN(T x);
}

/// <summary>The exp of <c>VectorExp</c> written once over an <see cref="IDeviceFloat{T}"/>'s FMA and rounding.</summary>
internal static class DeviceExp
{
    public static float Float<TMath>(float x)
        where TMath : struct, IDeviceFloat<float>
    {
        // Clamp at −110 (NaN passes), x = n·ln2 + r with ln2 in two parts, degree-6 polynomial interpolating at the
        // Chebyshev nodes, then 2ⁿ as two exact exponent-field factors (one rounding into the subnormals).
        if (TMath.IsNaN(x)) return x;
        x = x < -110f ? -110f : x;
        float n = TMath.RoundToEven(x * 1.44269504088896340736f);
        float r = TMath.Fma(n, -0.693359375f, x);
        r = TMath.Fma(n, 2.12194440e-4f, r);
        float p = 0.001394116075641468f;
        p = TMath.Fma(p, r, 0.008375168288959624f);
        p = TMath.Fma(p, r, 0.04166635226804215f);
        p = TMath.Fma(p, r, 0.16666415011290175f);
        p = TMath.Fma(p, r, 0.5000000047259411f);
        p = TMath.Fma(p, r, 1.000000037829614f);
        p = TMath.Fma(p, r, 1f);
        int k = (int)n, half = k / 2;
        return p * Interop.IntAsFloat((uint)(half + 127) << 23) * Interop.IntAsFloat((uint)(k - half + 127) << 23);
    }

    public static double Double<TMath>(double x)
        where TMath : struct, IDeviceFloat<double>
    {
        // Clamp at −750, two-part ln2, degree-13 Taylor, two exponent-field factors.
        if (TMath.IsNaN(x)) return x;
        x = x < -750.0 ? -750.0 : x;
        double n = TMath.RoundToEven(x * 1.44269504088896340736);
        double r = TMath.Fma(n, -0.693147180369123816490, x);
        r = TMath.Fma(n, -1.90821492927058770002e-10, r);
        double q = 1.0 / 6227020800.0;
        q = TMath.Fma(q, r, 1.0 / 479001600.0);
        q = TMath.Fma(q, r, 1.0 / 39916800.0);
        q = TMath.Fma(q, r, 1.0 / 3628800.0);
        q = TMath.Fma(q, r, 1.0 / 362880.0);
        q = TMath.Fma(q, r, 1.0 / 40320.0);
        q = TMath.Fma(q, r, 1.0 / 5040.0);
        q = TMath.Fma(q, r, 1.0 / 720.0);
        q = TMath.Fma(q, r, 1.0 / 120.0);
        q = TMath.Fma(q, r, 1.0 / 24.0);
        q = TMath.Fma(q, r, 1.0 / 6.0);
        q = TMath.Fma(q, r, 0.5);
        q = TMath.Fma(q, r, 1.0);
        q = TMath.Fma(q, r, 1.0);
        long k = (long)n, half = k / 2;
        return q * Interop.IntAsFloat((ulong)(half + 1023) << 52) * Interop.IntAsFloat((ulong)(k - half + 1023) << 52);
    }
}

/// <summary>float32 on the CPU accelerator.</summary>
internal readonly struct CpuFloat32 : IDeviceFloat<float>
{
    public static float NegativeInfinity => float.NegativeInfinity;
    public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float RoundToEven(float x) => MathF.Round(x, MidpointRounding.ToEven);
    public static float ExpNonPositive(float x) => DeviceExp.Float<CpuFloat32>(x);
    public static float FromDouble(double x) => (float)x;
    public static double ToDouble(float x) => x;
#pragma warning disable CS1718 // x != x is the NaN test
    public static bool IsNaN(float x) => x != x;
#pragma warning restore CS1718
}

/// <summary>
/// float32 on CUDA. An FMA written as inline PTX (<c>fma.rn.f32</c>) makes ILGPU pass its output through a local-memory
/// slot (a store and a load around every FMA, found in the PTX), so a·b + c is written as plain IL instead: ILGPU emits
/// <c>mul.f32</c> and <c>add.f32</c> without a rounding modifier, which ptxas contracts into one FMA (its default,
/// <c>--fmad=true</c>). Rounding to an integer adds and subtracts 1.5·2²³ (exact, ties to even, for |x| &lt; 2²²).
/// </summary>
internal readonly struct PtxFloat32 : IDeviceFloat<float>
{
    public static float NegativeInfinity => float.NegativeInfinity;
    public static float Fma(float a, float b, float c) => (a * b) + c;
    public static float RoundToEven(float x) => (x + 12582912f) - 12582912f;
    public static float ExpNonPositive(float x) => DeviceExp.Float<PtxFloat32>(x);
    public static float FromDouble(double x) => (float)x;
    public static double ToDouble(float x) => x;
#pragma warning disable CS1718 // x != x is the NaN test
    public static bool IsNaN(float x) => x != x;
#pragma warning restore CS1718
}

/// <summary>float64 on the CPU accelerator.</summary>
internal readonly struct CpuFloat64 : IDeviceFloat<double>
{
    public static double NegativeInfinity => double.NegativeInfinity;
    public static double Fma(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
    public static double RoundToEven(double x) => Math.Round(x, MidpointRounding.ToEven);
    public static double ExpNonPositive(double x) => DeviceExp.Double<CpuFloat64>(x);
    public static double FromDouble(double x) => x;
    public static double ToDouble(double x) => x;
#pragma warning disable CS1718 // x != x is the NaN test
    public static bool IsNaN(double x) => x != x;
#pragma warning restore CS1718
}

/// <summary>float64 on CUDA: as <see cref="PtxFloat32"/> (a·b + c contracted by ptxas; rounding by ±1.5·2⁵²).</summary>
internal readonly struct PtxFloat64 : IDeviceFloat<double>
{
    public static double NegativeInfinity => double.NegativeInfinity;
    public static double Fma(double a, double b, double c) => (a * b) + c;
    public static double RoundToEven(double x) => (x + 6755399441055744.0) - 6755399441055744.0;
    public static double ExpNonPositive(double x) => DeviceExp.Double<PtxFloat64>(x);
    public static double FromDouble(double x) => x;
    public static double ToDouble(double x) => x;
#pragma warning disable CS1718 // x != x is the NaN test
    public static bool IsNaN(double x) => x != x;
#pragma warning restore CS1718
}
