using System.Numerics;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Kernels.Backends;

/// <summary>A CPU path: one <see cref="KernelVariant"/> (algorithm and SIMD width) through <see cref="CpuAttention{T}"/>.</summary>
internal sealed class CpuBackend : IAttentionBackend
{
    private static readonly CpuBackend[] s_all = [.. KernelVariant.All.Select(v => new CpuBackend(v))];

    private CpuBackend(KernelVariant variant) => Variant = variant;

    public KernelVariant Variant { get; }

    public string Name => Variant.Name;

    public bool IsSupported => Variant.IsSupported;

    /// <summary>The backend of <paramref name="variant"/> (one instance per variant).</summary>
    public static CpuBackend For(KernelVariant variant)
    {
        // A loop, not LINQ's First with a lambda: that captured the variant (a closure and a delegate on every call).
        foreach (CpuBackend backend in s_all)
        {
            if (backend.Variant == variant) return backend;
        }

        throw new InvalidOperationException($"No CPU backend for kernel variant {variant.Name}.");
    }

    /// <summary>The backend calls made now use: the variant <see cref="KernelSelector.Current"/> names.</summary>
    public static CpuBackend Current => For(KernelSelector.Current);

    public void Run<T>(AttentionProblem<T> problem)
        where T : unmanaged, IFloatingPointIeee754<T> => CpuAttention<T>.Run(problem, Variant);
}
