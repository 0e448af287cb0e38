using System.Runtime.Intrinsics;

namespace IvySharp.Kernels;

/// <summary>
/// The named compute paths. Every call runs on one of them; the fastest the processor supports is
/// the default, the environment variable <c>IVYSHARP_KERNEL</c> forces one (<c>simple</c>, <c>scalar</c>,
/// <c>v128</c>, <c>v256</c>, <c>v512</c>), and the tests run each against the float64 reference.
/// </summary>
internal enum KernelVariant
{
    /// <summary>The plain path: vectorised dot products per row through TensorPrimitives, no tiling. The tests' second opinion.</summary>
    Simple,

    /// <summary>The tiled engine with scalar arithmetic only: the fallback that always exists.</summary>
    Scalar,

    /// <summary>The tiled engine on <see cref="Vector128{T}"/>.</summary>
    Vector128,

    /// <summary>The tiled engine on <see cref="Vector256{T}"/>.</summary>
    Vector256,

    /// <summary>The tiled engine on <see cref="Vector512{T}"/> (AVX-512).</summary>
    Vector512,
}

/// <summary>Chooses the <see cref="KernelVariant"/> and thread count for a call.</summary>
internal static class KernelSelector
{
    public const string EnvironmentVariable = "IVYSHARP_KERNEL";

    // Read once: the environment of a process does not change what the hardware supports.
    private static readonly KernelVariant s_default = FromEnvironment();

    // Tests pin a variant or thread count for the calls of one logical flow (async-local, so parallel tests don't interfere).
    private static readonly AsyncLocal<KernelVariant?> s_variantOverride = new();
    private static readonly AsyncLocal<int?> s_threadsOverride = new();

    /// <summary>The variant calls made now use.</summary>
    public static KernelVariant Current => s_variantOverride.Value ?? s_default;

    /// <summary>A thread cap pinned by <see cref="Use"/>, if any.</summary>
    public static int? ThreadsOverride => s_threadsOverride.Value;

    /// <summary>The best variant this processor accelerates.</summary>
    public static KernelVariant Best =>
        Vector512.IsHardwareAccelerated ? KernelVariant.Vector512
        : Vector256.IsHardwareAccelerated ? KernelVariant.Vector256
        : Vector128.IsHardwareAccelerated ? KernelVariant.Vector128
        : KernelVariant.Scalar;

    /// <summary>True when <paramref name="variant"/> can run here (the SIMD widths need hardware support).</summary>
    public static bool IsSupported(KernelVariant variant) => variant switch
    {
        KernelVariant.Vector512 => Vector512.IsHardwareAccelerated,
        KernelVariant.Vector256 => Vector256.IsHardwareAccelerated,
        KernelVariant.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>Pins the variant and/or thread count for calls in the current flow until the scope is disposed.</summary>
    public static IDisposable Use(KernelVariant? variant = null, int? threads = null)
    {
        var scope = new Scope(s_variantOverride.Value, s_threadsOverride.Value);
        if (variant is not null) s_variantOverride.Value = variant;
        if (threads is not null) s_threadsOverride.Value = threads;
        return scope;
    }

    private static KernelVariant FromEnvironment()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        KernelVariant? named = forced switch
        {
            "simple" => KernelVariant.Simple,
            "scalar" => KernelVariant.Scalar,
            "v128" or "vector128" => KernelVariant.Vector128,
            "v256" or "vector256" => KernelVariant.Vector256,
            "v512" or "vector512" => KernelVariant.Vector512,
            _ => null,
        };

        // A forced width the processor lacks falls back to the best it has rather than failing every call.
        return named is { } v && IsSupported(v) ? v : Best;
    }

    private sealed class Scope(KernelVariant? variant, int? threads) : IDisposable
    {
        public void Dispose()
        {
            s_variantOverride.Value = variant;
            s_threadsOverride.Value = threads;
        }
    }
}
