using IvySharp.Kernels.Backends;

namespace IvySharp;

/// <summary>
/// An array's elements in an accelerator's memory. The core only knows this hook: a device package
/// (IvySharp.Gpu) subclasses it and registers itself with <see cref="Devices"/>. The host never reads the
/// memory in place: every host access copies (<see cref="Download{T}"/>, <see cref="Upload{T}"/>), and the
/// backend of the device (<see cref="Backend"/>) is the only code that computes on it.
/// </summary>
internal abstract class DeviceStorage : ArrayStorage
{
    /// <summary>The device name, as <see cref="IvyArray.Device"/> reports it (e.g. <c>gpu:0</c>).</summary>
    public abstract string Device { get; }

    /// <summary>The element type held in device memory.</summary>
    public abstract DType DType { get; }

    /// <summary>Computes the attention calls whose arrays live on this device.</summary>
    public abstract IAttentionBackend Backend { get; }

    /// <summary>Device memory is never handed out as a host span.</summary>
    public override bool IsContiguous => false;

    /// <summary>Copies every element to the host, row-major, converted to <typeparamref name="T"/>.</summary>
    public abstract void Download<T>(Span<T> destination);

    /// <summary>Overwrites every element from the host (row-major), converting to <see cref="DType"/>.</summary>
    public abstract void Upload<T>(ReadOnlySpan<T> source);

    /// <summary>New zeroed storage of <paramref name="length"/> elements of <paramref name="dtype"/> on the same device.</summary>
    public abstract DeviceStorage Allocate(DType dtype, int length);

    /// <summary>
    /// A converted copy on the same device in the floating <paramref name="computeType"/>; a boolean array becomes a
    /// mask in its final form (−∞ where true, i.e. masked out, 0 elsewhere).
    /// </summary>
    public abstract DeviceStorage ToComputeType(DType computeType);

    /// <summary>Overwrites every element from <paramref name="source"/> (same device and length), converting on the device.</summary>
    public abstract void CopyFrom(DeviceStorage source);

    /// <summary>Frees the device memory now rather than at collection (temporaries of one call); the storage is unusable after.</summary>
    public abstract void Release();
}
