namespace IvySharp;

/// <summary>
/// A kind of device a package adds (IvySharp.Gpu adds <c>gpu</c>): it moves host arrays to its devices.
/// </summary>
internal interface IDeviceProvider
{
    /// <summary>The device name's prefix, e.g. <c>gpu</c> for <c>gpu:0</c>.</summary>
    string Kind { get; }

    /// <summary>The devices this provider serves now, e.g. <c>gpu:0</c>.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>A copy of <paramref name="array"/> (on the host) in the memory of <paramref name="device"/>, one of <see cref="Names"/>.</summary>
    DeviceStorage Upload(IvyArray array, string device);
}

/// <summary>
/// Where arrays may live: <c>cpu</c> always, and the devices of the providers registered by device packages.
/// The core has no dependency on any of them; a package registers itself when initialised.
/// </summary>
internal static class Devices
{
    /// <summary>The name of host memory.</summary>
    public const string Cpu = "cpu";

    private static volatile IDeviceProvider[] s_providers = [];
    private static readonly Lock s_gate = new();

    /// <summary>Adds (or replaces, by <see cref="IDeviceProvider.Kind"/>) a provider.</summary>
    public static void Register(IDeviceProvider provider)
    {
        lock (s_gate)
        {
            s_providers = [.. s_providers.Where(p => p.Kind != provider.Kind), provider];
        }
    }

    /// <summary>Removes the provider of <paramref name="kind"/>, if any (arrays already on its devices keep working).</summary>
    public static void Unregister(string kind)
    {
        lock (s_gate)
        {
            s_providers = [.. s_providers.Where(p => p.Kind != kind)];
        }
    }

    /// <summary>The provider serving <paramref name="device"/>; throws a message that says what is missing.</summary>
    public static IDeviceProvider ProviderOf(string device, string paramName)
    {
        int colon = device.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? device : device[..colon];
        IDeviceProvider? provider = s_providers.FirstOrDefault(p => p.Kind == kind);
        if (provider is null)
        {
            throw kind == "gpu"
                ? new InvalidOperationException(
                    $"Device '{device}' needs the IvySharp.Gpu package, initialised first: add the package and call IvySharp.Gpu.IvySharpGpu.Initialize().")
                : new ArgumentException($"Unknown device '{device}': expected \"cpu\" or \"gpu:N\".", paramName);
        }

        if (!provider.Names.Contains(device))
        {
            throw new ArgumentException(
                $"Device '{device}' is not available; {kind} devices here: {(provider.Names.Count == 0 ? "none" : string.Join(", ", provider.Names))}.", paramName);
        }

        return provider;
    }
}
