using System.Numerics;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Kernels.Backends;

/// <summary>
/// Where a validated call is computed. A backend receives the typed <see cref="AttentionProblem{T}"/> (no
/// <see cref="IvyArray"/>, masks in their final form, a typed destination) and fills its output and weights;
/// validation before it and the result writers after it are shared by every backend. The CPU paths are
/// <see cref="CpuBackend"/>s; a device backend implements the same interface in its own package.
/// </summary>
internal interface IAttentionBackend
{
    /// <summary>The name tests, tools and errors use.</summary>
    string Name { get; }

    /// <summary>True when this machine can run the backend.</summary>
    bool IsSupported { get; }

    /// <summary>Computes <paramref name="problem"/>: writes every element of its output and, when present, its weights.</summary>
    void Run<T>(AttentionProblem<T> problem)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
