namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>
    /// Where the elements live, as Ivy names devices: <c>"cpu"</c> for host memory, <c>"gpu:0"</c> … for an
    /// accelerator's (those need the IvySharp.Gpu package). Attention runs where its inputs live.
    /// </summary>
    public string Device => Storage is DeviceStorage device ? device.Device : Devices.Cpu;

    /// <summary>
    /// This array on <paramref name="device"/> (Ivy's <c>to_device</c>): the same array when it is already there,
    /// otherwise a copy with the same shape and dtype. <c>"cpu"</c> brings a device array back to host memory.
    /// </summary>
    /// <param name="device"><c>"cpu"</c> or <c>"gpu:N"</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="device"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a known or available device.</exception>
    /// <exception cref="InvalidOperationException">A <c>gpu</c> device is named but IvySharp.Gpu is not initialised.</exception>
    public IvyArray ToDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device == Device) return this;
        if (device == Devices.Cpu)
        {
            IvyArray host = Zeros(DType, _shape);
            switch (DType)
            {
                case DType.Float16: ((DeviceStorage)Storage).Download(((ArrayStorage<Half>)host.Storage).ContiguousSpan); break;
                case DType.Float32: ((DeviceStorage)Storage).Download(((ArrayStorage<float>)host.Storage).ContiguousSpan); break;
                case DType.Float64: ((DeviceStorage)Storage).Download(((ArrayStorage<double>)host.Storage).ContiguousSpan); break;
                default: ((DeviceStorage)Storage).Download(((ArrayStorage<bool>)host.Storage).ContiguousSpan); break;
            }

            return host;
        }

        IDeviceProvider provider = Devices.ProviderOf(device, nameof(device));
        IvyArray source = Storage is DeviceStorage ? ToDevice(Devices.Cpu) : this;
        return new IvyArray(provider.Upload(source, device), DType, (int[])_shape.Clone());
    }

    /// <summary>An array over device storage (for device packages: results and uploads).</summary>
    internal static IvyArray OnDevice(DeviceStorage storage, int[] shape) => new(storage, storage.DType, (int[])shape.Clone());

    /// <summary>A new zeroed array of <paramref name="dtype"/> and <paramref name="shape"/> on the device <paramref name="like"/> lives on.</summary>
    internal static IvyArray ZerosLike(IvyArray like, DType dtype, int[] shape)
    {
        if (like.Storage is not DeviceStorage device) return Zeros(dtype, shape);
        int count = 1;
        foreach (int d in shape) count = checked(count * d);
        return OnDevice(device.Allocate(dtype, count), shape);
    }
}
