using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IvySharp.Benchmarks.Running;

/// <summary>What the report says about where and with what it ran.</summary>
internal sealed record MachineInfo(string CpuModel, int LogicalCpus, string CpuFeatures, string Os, string Runtime,
    string OrtVersion, string TorchVersion, string Commit, string LoadAtStart)
{
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
