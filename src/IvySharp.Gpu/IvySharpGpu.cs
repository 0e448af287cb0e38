using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using IvySharp.Gpu.Runtime;

namespace IvySharp.Gpu;

/// <summary>
/// Turns on <c>gpu:N</c> devices for IvySharp: after <see cref="Initialize"/>, <c>array.ToDevice("gpu:0")</c> puts an
/// array in the GPU's memory and <c>Ivy.MultiHeadAttention</c> (and containers, and the layer) runs on the GPU when
/// its arrays live there. Needs only the NVIDIA driver: kernels are C# compiled to PTX at run time by ILGPU.
/// </summary>
public static class IvySharpGpu
{
    /// <summary>The name of the stand-in device: ILGPU's CPU accelerator running the GPU kernels (slow; for tests and machines without a GPU).</summary>
    public const string CpuAcceleratorDevice = "gpu:cpu";

    private static readonly Lock s_gate = new();
    private static Context? s_context;
    private static GpuProvider? s_provider;

    /// <summary>
    /// Registers every CUDA GPU of this machine as <c>gpu:0</c>, <c>gpu:1</c>, … and, when
    /// <paramref name="includeCpuAccelerator"/> is true, ILGPU's CPU accelerator as <see cref="CpuAcceleratorDevice"/>.
    /// Calling it again returns the devices already registered. Returns the device names (none when there is no GPU
    /// and no stand-in was asked for; <c>gpu:*</c> arrays then fail with a message saying so).
    /// </summary>
    public static IReadOnlyList<string> Initialize(bool includeCpuAccelerator = false)
    {
        lock (s_gate)
        {
            if (s_provider is not null && (!includeCpuAccelerator || s_provider.Names.Contains(CpuAcceleratorDevice))) return s_provider.Names;
            Shutdown();

            // 32 lanes × 8 warps: 256-thread groups (the GEMM) and 32-lane warps, so the tensor-core fragments (one per lane
            // of a warp) are emulated across the same lanes as on a GPU.
            var context = Context.Create(builder => builder.Cuda().CPU(new CPUDevice(32, 8, 1)).EnableAlgorithms());
            var devices = new List<GpuDevice>();
            int ordinal = 0;
            foreach (Device device in context.GetCudaDevices())
            {
                devices.Add(new GpuDevice($"gpu:{ordinal++}", device.CreateAccelerator(context)));
            }

            if (includeCpuAccelerator) devices.Add(new GpuDevice(CpuAcceleratorDevice, context.CreateCPUAccelerator(0)));
            s_context = context;
            s_provider = new GpuProvider(devices);
            Devices.Register(s_provider);
            return s_provider.Names;
        }
    }

    /// <summary>The registered device called <paramref name="name"/>, or null (for tools that time kernels alone).</summary>
    internal static GpuDevice? Find(string name) => s_provider?.Devices.FirstOrDefault(d => d.Name == name);

    /// <summary>The registered device names (empty before <see cref="Initialize"/>).</summary>
    public static IReadOnlyList<string> DeviceNames => s_provider?.Names ?? [];

    /// <summary>A one-line description of a registered device: the accelerator's name, memory and kind.</summary>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not registered.</exception>
    public static string Describe(string device)
    {
        GpuDevice found = s_provider?.Devices.FirstOrDefault(d => d.Name == device)
            ?? throw new ArgumentException($"Device '{device}' is not registered; registered: {string.Join(", ", DeviceNames)}.", nameof(device));
        Accelerator accelerator = found.Accelerator;
        return $"{found.Name}: {accelerator.Name}, {accelerator.AcceleratorType}, {accelerator.MemorySize / (1 << 20)} MiB, warp {accelerator.WarpSize}";
    }

    /// <summary>
    /// Lets float32 calls use the tensor cores in TF32 (10-bit mantissa inputs, float32 accumulation), as PyTorch's
    /// <c>allow_tf32</c>. Off by default: float32 calls are then exact float32 (SIMT FMA).
    /// </summary>
    public static bool AllowTF32 { get; set; }

    private static readonly AsyncLocal<bool?> s_tf32Override = new();

    /// <summary>Whether calls made now use TF32: <see cref="AllowTF32"/>, unless a test pinned it for its own flow (<see cref="PinTF32"/>).</summary>
    internal static bool Tf32Enabled => s_tf32Override.Value ?? AllowTF32;

    /// <summary>Pins the TF32 choice for the calling async flow only (tests run in parallel; the public switch is process-wide).</summary>
    internal static IDisposable PinTF32(bool enabled)
    {
        bool? previous = s_tf32Override.Value;
        s_tf32Override.Value = enabled;
        return new Restore(() => s_tf32Override.Value = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    /// <summary>Unregisters the devices and frees their accelerators; arrays still on them become unusable.</summary>
    public static void Shutdown()
    {
        lock (s_gate)
        {
            if (s_provider is null) return;
            IvySharp.Devices.Unregister("gpu");
            foreach (GpuDevice device in s_provider.Devices) device.Dispose();
            s_context?.Dispose();
            s_provider = null;
            s_context = null;
        }
    }
}
