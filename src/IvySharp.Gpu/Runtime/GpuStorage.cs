using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using IvySharp.Internal;
using IvySharp.Kernels.Backends;

namespace IvySharp.Gpu.Runtime;

/// <summary>
/// An array's elements in a <see cref="GpuDevice"/>'s memory: one byte buffer viewed as the dtype's element
/// (float16 as its 16 bits, bool as one byte). Host copies go through the device's lock; conversions between
/// dtypes run as kernels on the device.
/// </summary>
internal sealed class GpuStorage : DeviceStorage
{
    private MemoryBuffer1D<byte, Stride1D.Dense>? _buffer;
    private readonly int _length;

    public GpuStorage(GpuDevice owner, DType dtype, int length)
    {
        Owner = owner;
        DType = dtype;
        _length = length;
        _buffer = owner.AllocateBytes((long)length * ElementSize(dtype));
    }

    public GpuDevice Owner { get; }

    public override DType DType { get; }

    public override int Length => _length;

    public override string Device => Owner.Name;

    public override IAttentionBackend Backend => Owner.Backend;

    /// <summary>The elements as the device element type <typeparamref name="TElement"/> (ushort for float16, byte for bool).</summary>
    public ArrayView<TElement> View<TElement>()
        where TElement : unmanaged =>
        (_buffer ?? throw new ObjectDisposedException(nameof(GpuStorage), "This device array's memory was released."))
            .View.AsContiguous().Cast<TElement>().SubView(0, _length);

    public static int ElementSize(DType dtype) => dtype switch
    {
        DType.Float16 => 2,
        DType.Float32 => 4,
        DType.Float64 => 8,
        _ => 1,
    };

    public override void Download<T>(Span<T> destination)
    {
        switch (DType)
        {
            case DType.Float16: DownloadAs<System.Half, ushort, T>(destination); break;
            case DType.Float32: DownloadAs<float, float, T>(destination); break;
            case DType.Float64: DownloadAs<double, double, T>(destination); break;
            default: DownloadAs<bool, byte, T>(destination); break;
        }
    }

    public override void Upload<T>(ReadOnlySpan<T> source)
    {
        switch (DType)
        {
            case DType.Float16: UploadAs<System.Half, ushort, T>(source); break;
            case DType.Float32: UploadAs<float, float, T>(source); break;
            case DType.Float64: UploadAs<double, double, T>(source); break;
            default: UploadAs<bool, byte, T>(source); break;
        }
    }

    public override DeviceStorage Allocate(DType dtype, int length) => new GpuStorage(Owner, dtype, length);

    public override DeviceStorage ToComputeType(DType computeType)
    {
        var result = new GpuStorage(Owner, computeType, _length);
        lock (Owner.Gate)
        {
            if (DType == DType.Bool) Owner.Kernels.BoolToMask(this, result);
            else Owner.Kernels.Convert(this, result);
        }

        return result;
    }

    public override void CopyFrom(DeviceStorage source)
    {
        var from = (GpuStorage)source;
        lock (Owner.Gate)
        {
            Owner.Kernels.Convert(from, this);
        }
    }

    public override void Release()
    {
        lock (Owner.Gate)
        {
            _buffer?.Dispose();
            _buffer = null;
        }
    }

    // THost: the host type of the dtype (Half, float, double, bool); TElement: the same bits as the device sees them.
    private void DownloadAs<THost, TElement, T>(Span<T> destination)
        where THost : unmanaged
        where TElement : unmanaged
    {
        var host = new THost[_length];
        lock (Owner.Gate)
        {
            View<TElement>().CopyToCPU(MemoryMarshal.Cast<THost, TElement>(host.AsSpan()));
        }

        ElementConvert.Copy<THost, T>(host, destination[.._length]);
    }

    private void UploadAs<THost, TElement, T>(ReadOnlySpan<T> source)
        where THost : unmanaged
        where TElement : unmanaged
    {
        var host = new THost[_length];
        ElementConvert.Copy<T, THost>(source[.._length], host);
        lock (Owner.Gate)
        {
            View<TElement>().CopyFromCPU(MemoryMarshal.Cast<THost, TElement>(host.AsSpan()));
        }
    }
}
