using System.Runtime.Intrinsics;

namespace IvySharp.Kernels;

/// <summary>How the attention core is computed. Independent of <see cref="SimdWidth"/>.</summary>
internal enum AttentionAlgorithm
{
    /// <summary>One query row at a time in the contract's literal order (the tests' second opinion).</summary>
    Plain,

    /// <summary>The tiled flash-style engine: online softmax over key tiles, rows in SIMD lanes.</summary>
    Tiled,
}

/// <summary>The register width a kernel is instantiated for. No ordering is implied between the values.</summary>
internal enum SimdWidth
{
    /// <summary>Scalar arithmetic only: the fallback that always exists.</summary>
    Scalar,

    /// <summary><see cref="Vector128{T}"/> (SSE / NEON).</summary>
    Vector128,

    /// <summary><see cref="Vector256{T}"/> (AVX2).</summary>
    Vector256,

    /// <summary><see cref="Vector512{T}"/> (AVX-512).</summary>
    Vector512,
}

/// <summary>
/// A named compute path: an algorithm and a SIMD width. The named paths are forcible with the
/// environment variable <c>IVYSHARP_KERNEL</c> (<c>simple</c>, <c>scalar</c>, <c>v128</c>, <c>v256</c>,
/// <c>v512</c>) and each is tested against the float64 reference.
/// </summary>
/// <param name="Name">The name tests and tools use (<c>Simple</c>, <c>Vector512</c>, …).</param>
/// <param name="Algorithm">Plain rows or the tiled engine.</param>
/// <param name="Width">The register width of the tiled engine and the projection GEMM; <see cref="SimdWidth.Scalar"/> for the plain path, whose kernels are plain loops.</param>
internal readonly record struct KernelVariant(string Name, AttentionAlgorithm Algorithm, SimdWidth Width)
{
    /// <summary>The plain path: per-row dot products through TensorPrimitives, the plain GEMM.</summary>
    public static readonly KernelVariant Simple = new(nameof(Simple), AttentionAlgorithm.Plain, SimdWidth.Scalar);

    /// <summary>The tiled engine with scalar arithmetic.</summary>
    public static readonly KernelVariant Scalar = new(nameof(Scalar), AttentionAlgorithm.Tiled, SimdWidth.Scalar);

    /// <summary>The tiled engine on <see cref="Vector128{T}"/>.</summary>
    public static readonly KernelVariant Vector128 = new(nameof(Vector128), AttentionAlgorithm.Tiled, SimdWidth.Vector128);

    /// <summary>The tiled engine on <see cref="Vector256{T}"/>.</summary>
    public static readonly KernelVariant Vector256 = new(nameof(Vector256), AttentionAlgorithm.Tiled, SimdWidth.Vector256);

    /// <summary>The tiled engine on <see cref="Vector512{T}"/>.</summary>
    public static readonly KernelVariant Vector512 = new(nameof(Vector512), AttentionAlgorithm.Tiled, SimdWidth.Vector512);

    /// <summary>Every named path, widest tiled first: the registry the default is picked from (first supported wins).</summary>
    public static IReadOnlyList<KernelVariant> ByPriority { get; } = [Vector512, Vector256, Vector128, Scalar, Simple];

    /// <summary>Every named path, plain first, then the tiled ones from narrow to wide (the order tests list them in).</summary>
    public static IReadOnlyList<KernelVariant> All { get; } = [Simple, Scalar, Vector128, Vector256, Vector512];

    /// <summary>True when the processor accelerates this path's width.</summary>
    public bool IsSupported => SimdWidths.IsAccelerated(Width);

    /// <summary>The variant called <paramref name="name"/> (case-insensitive; <c>v512</c> and the like accepted), or null.</summary>
    public static KernelVariant? Find(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "simple" => Simple,
        "scalar" => Scalar,
        "v128" or "vector128" => Vector128,
        "v256" or "vector256" => Vector256,
        "v512" or "vector512" => Vector512,
        _ => null,
    };

    /// <summary>The variant called <paramref name="name"/>; throws when there is none.</summary>
    public static KernelVariant Parse(string name) =>
        Find(name) ?? throw new ArgumentException($"No kernel variant is called '{name}'.", nameof(name));

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>What the processor accelerates, per <see cref="SimdWidth"/>.</summary>
internal static class SimdWidths
{
    /// <summary>True when the JIT accelerates <paramref name="width"/> on this processor (scalar always).</summary>
    public static bool IsAccelerated(SimdWidth width) => width switch
    {
        SimdWidth.Vector512 => Vector512.IsHardwareAccelerated,
        SimdWidth.Vector256 => Vector256.IsHardwareAccelerated,
        SimdWidth.Vector128 => Vector128.IsHardwareAccelerated,
        SimdWidth.Scalar => true,
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "unknown width"),
    };

    /// <summary><paramref name="width"/> when accelerated here, else the next narrower width that is (named, not by enum order).</summary>
    public static SimdWidth Runnable(SimdWidth width) => IsAccelerated(width) ? width : width switch
    {
        SimdWidth.Vector512 => Runnable(SimdWidth.Vector256),
        SimdWidth.Vector256 => Runnable(SimdWidth.Vector128),
        _ => SimdWidth.Scalar,
    };
}

/// <summary>Chooses the <see cref="KernelVariant"/> and thread count for a call.</summary>
internal static class KernelSelector
{
    public const string EnvironmentVariable = "IVYSHARP_KERNEL";

    // Read once: neither the hardware nor the environment variable changes during a process.
    // (Static initialisers run in text order: s_best before s_default, which falls back to it.)
    private static readonly KernelVariant s_best = KernelVariant.ByPriority.First(v => v.IsSupported);
    private static readonly KernelVariant s_default = FromEnvironment();

    // Tests pin a variant or thread count for the calls of one logical flow (async-local, so parallel tests don't interfere).
    private static readonly AsyncLocal<KernelVariant?> s_variantOverride = new();
    private static readonly AsyncLocal<int?> s_threadsOverride = new();

    /// <summary>The variant calls made now use (read once per call, by the facade's dispatch).</summary>
    public static KernelVariant Current => s_variantOverride.Value ?? s_default;

    /// <summary>A thread cap pinned by <see cref="Use"/>, if any.</summary>
    public static int? ThreadsOverride => s_threadsOverride.Value;

    /// <summary>The first variant of <see cref="KernelVariant.ByPriority"/> this processor supports.</summary>
    public static KernelVariant Best => s_best;

    /// <summary>True when <paramref name="variant"/> can run here (the SIMD widths need hardware support).</summary>
    public static bool IsSupported(KernelVariant variant) => variant.IsSupported;

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
        // A forced width the processor lacks falls back to the best it has rather than failing every call.
        KernelVariant? named = KernelVariant.Find(Environment.GetEnvironmentVariable(EnvironmentVariable));
        return named is { IsSupported: true } v ? v : Best;
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
