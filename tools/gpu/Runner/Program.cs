using System.Globalization;
using IvySharp.Gpu;
using IvySharp.Gpu.Runner;

// tools/gpu's runner. `check`: conformance and seeded random calls on a device against the CPU library.
// `bench`: the benchmark cases on a device (and PyTorch's times from --torch, when given), as a Markdown report.
// `--device gpu:cpu` runs everything on ILGPU's CPU accelerator (with --quick shapes): how the script is tested
// on a machine without a GPU.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var options = RunnerOptions.Parse(args);
IReadOnlyList<string> devices = IvySharpGpu.Initialize(includeCpuAccelerator: options.Device == IvySharpGpu.CpuAcceleratorDevice);
Console.WriteLine($"devices: {(devices.Count == 0 ? "none" : string.Join(", ", devices.Select(IvySharpGpu.Describe)))}");
if (!devices.Contains(options.Device))
{
    Console.Error.WriteLine($"runner: device {options.Device} is not available (a CUDA GPU and its driver are needed for gpu:N; try --device gpu:cpu)");
    return 2;
}

return options.Command switch
{
    "check" => Checks.Run(options),
    "bench" => Bench.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: IvySharp.Gpu.Runner check|bench [--device gpu:0|gpu:cpu] [--quick] [--calls N] [--torch torch.json] [--out report.md]");
    return 2;
}
