using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace IvySharp.Gpu.Runtime;

/// <summary>
/// Device scratch kept between calls: a call's projections, attended rows and row statistics come from here
/// instead of a fresh <c>cuMemAlloc</c>/<c>cuMemFree</c> each (a free waits for the device, and both cost tens of
/// microseconds against sub-millisecond calls). Buffers are kept by power-of-two size, a few per size; callers hold
/// the device's lock, and return buffers only after the device has finished with them.
/// </summary>
internal sealed class ScratchPool(Accelerator accelerator)
{
    private const int KeptPerSize = 4;
    private readonly Dictionary<long, Stack<MemoryBuffer1D<byte, Stride1D.Dense>>> _free = [];

    /// <summary>A buffer of at least <paramref name="bytes"/> bytes (contents undefined).</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense> Rent(long bytes)
    {
        long size = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(bytes, 256));
        return _free.TryGetValue(size, out var stack) && stack.Count > 0 ? stack.Pop() : accelerator.Allocate1D<byte>(size);
    }

    /// <summary>Takes <paramref name="buffer"/> back (the device must be done with it).</summary>
    public void Return(MemoryBuffer1D<byte, Stride1D.Dense> buffer)
    {
        if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new Stack<MemoryBuffer1D<byte, Stride1D.Dense>>();
        if (stack.Count < KeptPerSize) stack.Push(buffer);
        else buffer.Dispose();
    }
}
