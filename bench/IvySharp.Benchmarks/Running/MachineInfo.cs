using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IvySharp.Benchmarks.Running;

/// <summary>What the report says about where and with what it ran.</summary>
internal sealed record MachineInfo(string CpuModel, int LogicalCpus, string CpuFeatures, string Os, string Runtime,
    string OrtVersion, string TorchVersion, string Commit, string LoadAtStart)
{
    /// <summary>The variant IvySharp's calls used and the instructions it ran as, e.g. "Vector256 (AVX2+FMA, 16 registers)".</summary>
    public string Isa { get; } = DefaultIsa();

    /// <summary>The runtime's ISA switches that were set (DOTNET_EnableAVX512=0 and the like), or "none".</summary>
    public string IsaSwitches { get; } = Switches();

    /// <summary>The SIMD width of the variant IvySharp's calls used.</summary>
    public static string DefaultWidth => Kernels.SimdWidths.Runnable(Kernels.KernelSelector.Current.Width).ToString();

    /// <summary>Names the instruction set behind the default variant's width, as this process's JIT compiles it.</summary>
    public static string DefaultIsa()
    {
        var variant = Kernels.KernelSelector.Current;
        Kernels.SimdWidth width = Kernels.SimdWidths.Runnable(variant.Width);
        bool evex = System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported;
        string isa = width switch
        {
            Kernels.SimdWidth.Vector512 => "AVX-512F, 32 registers",
            Kernels.SimdWidth.Vector256 when System.Runtime.Intrinsics.X86.Avx2.IsSupported => evex ? "AVX2+FMA with AVX-512VL present (EVEX: 32 registers)" : "AVX2+FMA, 16 registers",
            Kernels.SimdWidth.Vector128 when System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported => "AdvSIMD",
            Kernels.SimdWidth.Vector128 => evex ? "SSE/AVX with AVX-512VL present (EVEX)" : "SSE/AVX, 16 registers",
            _ => "scalar",
        };
        return $"{variant.Name}: {width} ({isa})";
    }

    private static string Switches()
    {
        string[] names = ["DOTNET_EnableAVX512", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_PreferredVectorBitWidth", "IVYSHARP_KERNEL"];
        var set = names.Select(n => (Name: n, Value: Environment.GetEnvironmentVariable(n))).Where(e => e.Value is not null).Select(e => $"{e.Name}={e.Value}").ToList();
        return set.Count > 0 ? string.Join(", ", set) : "none";
    }

    public string LoadAtEnd { get; set; } = "";

    public static MachineInfo Read(string torchVersion) => new(
        ReadCpuModel(),
        Environment.ProcessorCount,
        Features(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(),
        torchVersion,
        ReadCommit(),
        LoadAverage());

    /// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg): how busy the machine was.</summary>
    public static string LoadAverage() => TryRead("/proc/loadavg") is { } text ? string.Join(' ', text.Split(' ').Take(3)) : "unknown";

    /// <summary>The cpuinfo model name, e.g. "AMD EPYC" (a virtual machine may show only the family).</summary>
    public static string ReadCpuModel() =>
        TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string Features()
    {
        var found = new List<string>();
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) found.Add("AVX-512F");
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) found.Add("AVX2");
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) found.Add("FMA");
        if (System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported) found.Add("AdvSIMD");
        return found.Count > 0 ? string.Join(", ", found) : "none";
    }

    private static string ReadCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "describe --always --dirty --abbrev=12") { RedirectStandardOutput = true, RedirectStandardError = true });
            string text = git!.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && text.Length > 0 ? text : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
