namespace IvySharp.Gpu.Tests.Support;

/// <summary>
/// The devices the suite runs on: ILGPU's CPU accelerator (<c>gpu:cpu</c>) everywhere, and the first CUDA GPU
/// (<c>gpu:0</c>) when this machine has one. Initialised once for the whole test assembly.
/// </summary>
internal static class GpuDevices
{
    private static readonly Lazy<IReadOnlyList<string>> s_names = new(() => IvySharpGpu.Initialize(includeCpuAccelerator: true));

    /// <summary>The stand-in device, always present.</summary>
    public static string CpuAccelerator
    {
        get
        {
            _ = s_names.Value;
            return IvySharpGpu.CpuAcceleratorDevice;
        }
    }

    /// <summary>The first CUDA GPU; skips the calling <c>[SkippableFact]</c> (reported as skipped, with the reason) when there is none.</summary>
    public static string Cuda
    {
        get
        {
            Skip.IfNot(s_names.Value.Contains("gpu:0"), "No CUDA GPU on this machine (ILGPU found no CUDA device): the same checks ran on ILGPU's CPU accelerator.");
            return "gpu:0";
        }
    }
}
