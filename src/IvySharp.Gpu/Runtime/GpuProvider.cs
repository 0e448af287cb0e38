namespace IvySharp.Gpu.Runtime;

/// <summary>The <c>gpu</c> device kind registered with the core: moves host arrays into a <see cref="GpuDevice"/>.</summary>
internal sealed class GpuProvider(IReadOnlyList<GpuDevice> devices) : IDeviceProvider
{
    public string Kind => "gpu";

    public IReadOnlyList<GpuDevice> Devices { get; } = devices;

    public IReadOnlyList<string> Names { get; } = [.. devices.Select(device => device.Name)];

    public DeviceStorage Upload(IvyArray array, string device)
    {
        GpuDevice target = Devices.First(candidate => candidate.Name == device);
        var storage = new GpuStorage(target, array.DType, array.Size);
        switch (array.DType)
        {
            case DType.Float16: storage.Upload<Half>(array.ToArray<Half>()); break;
            case DType.Float32: storage.Upload<float>(array.ToArray<float>()); break;
            case DType.Float64: storage.Upload<double>(array.ToArray<double>()); break;
            default: storage.Upload<bool>(array.ToArray<bool>()); break;
        }

        return storage;
    }
}
