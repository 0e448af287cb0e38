using System.Numerics;
using IvySharp.Gpu.Kernels;
using IvySharp.Gpu.Runtime;
using IvySharp.Kernels.Backends;
using IvySharp.Kernels.Pipeline;

namespace IvySharp.Gpu.Backend;

/// <summary>
/// The attention backend of one <see cref="GpuDevice"/>: receives the same validated, typed problem as the CPU
/// backends (operands, masks, output and weights already in the device's memory) and computes it with the
/// device's kernels, instantiated for the compute type and for the accelerator (inline PTX on CUDA, its C# twin on
/// the CPU accelerator).
/// </summary>
internal sealed class GpuBackend(GpuDevice device) : IAttentionBackend
{
    public string Name => $"ilgpu {device.Name} ({device.Accelerator.Name})";

    public bool IsSupported => true;

    public void Run<T>(AttentionProblem<T> problem)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        lock (device.Gate)
        {
            if (typeof(T) == typeof(float))
            {
                var typed = (AttentionProblem<float>)(object)problem;
                if (device.IsSimulated) GpuPipeline<float, CpuFloat32>.Run(device, typed);
                else GpuPipeline<float, PtxFloat32>.Run(device, typed);
            }
            else
            {
                var typed = (AttentionProblem<double>)(object)problem;
                if (device.IsSimulated) GpuPipeline<double, CpuFloat64>.Run(device, typed);
                else GpuPipeline<double, PtxFloat64>.Run(device, typed);
            }

            device.Accelerator.Synchronize();
        }
    }
}
