using ILGPU;
using ILGPU.Runtime;
using IvySharp.Gpu.Backend;

namespace IvySharp.Gpu.Runtime;

/// <summary>
/// One <c>gpu:N</c> device: an ILGPU accelerator (CUDA, or the CPU accelerator standing in for a GPU in tests),
/// its compiled kernels, and the lock that serialises work on its one stream. Arrays on the device hold a
/// reference to it; its backend computes their attention calls.
/// </summary>
internal sealed class GpuDevice : IDisposable
{
    public GpuDevice(string name, Accelerator accelerator)
    {
        Name = name;
        Accelerator = accelerator;
        Kernels = new GpuKernels(accelerator);
        Scratch = new ScratchPool(accelerator);
        Backend = new GpuBackend(this);
    }

    /// <summary>The device name, <c>gpu:N</c>.</summary>
    public string Name { get; }

    public Accelerator Accelerator { get; }

    /// <summary>True when the kernels run on ILGPU's CPU accelerator (inline PTX is then replaced by its C# form).</summary>
    public bool IsSimulated => Accelerator.AcceleratorType != AcceleratorType.Cuda;

    /// <summary>The kernels, compiled for this accelerator on first use.</summary>
    public GpuKernels Kernels { get; }

    public GpuBackend Backend { get; }

    /// <summary>Scratch memory reused between calls (use under <see cref="Gate"/>).</summary>
    public ScratchPool Scratch { get; }

    /// <summary>Held around every use of the accelerator's default stream (uploads, kernels, downloads).</summary>
    public Lock Gate { get; } = new();

    /// <summary>A zeroed buffer of <paramref name="bytes"/> bytes (at least one: ILGPU buffers are never empty here).</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense> AllocateBytes(long bytes)
    {
        lock (Gate)
        {
            MemoryBuffer1D<byte, Stride1D.Dense> buffer = Accelerator.Allocate1D<byte>(Math.Max(1, bytes));
            buffer.MemSetToZero();
            return buffer;
        }
    }

    public void Dispose() => Accelerator.Dispose();
}
