using System.Runtime.CompilerServices;

namespace IvySharp.Benchmarks.Native;

/// <summary>
/// Makes TorchSharp loadable on this machine (see <see cref="ElfVersionPatcher"/>) and starts it,
/// or says why it could not: the bench then goes on with the other peers.
/// </summary>
internal static class TorchLoader
{
    private const string LibraryName = "libLibTorchSharp.so";
    private const string TooNewVersion = "GLIBCXX_3.4.32";

    /// <summary>Null when TorchSharp is usable; otherwise the reason it is not.</summary>
    public static string? Failure { get; private set; } = "not initialised";

    /// <summary>The libtorch version once loaded.</summary>
    public static string Version { get; private set; } = "not loaded";

    /// <summary>Leaves TorchSharp out on purpose; its peers report <paramref name="reason"/>.</summary>
    public static void Skip(string reason) => Failure = reason;

    /// <summary>Patches every copy of the native library in the output, then touches TorchSharp once.</summary>
    public static bool TryInitialize(int threads, TextWriter log)
    {
        if (Failure is null) return true;
        try
        {
            foreach (string path in Candidates())
            {
                ElfVersionPatcher.Outcome outcome = ElfVersionPatcher.MarkWeak(path, TooNewVersion);
                log.WriteLine($"TorchSharp: {Path.GetRelativePath(AppContext.BaseDirectory, path)}: {TooNewVersion} {Describe(outcome)}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            log.WriteLine($"TorchSharp: could not patch {LibraryName}: {e.Message} (trying to load it anyway)");
        }

        try
        {
            string version = Start(threads);
            Version = version;
            Failure = null;
            log.WriteLine($"TorchSharp: loaded (libtorch {version}), {threads} threads");
            return true;
        }
        catch (Exception e)
        {
            Failure = Innermost(e);
            log.WriteLine($"TorchSharp: unavailable, continuing without it: {Failure}");
            return false;
        }
    }

    // Kept out of line so that no TorchSharp type is touched (and no native library loaded)
    // before the patch above has run.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string Start(int threads)
    {
        TorchSharp.torch.set_num_threads(threads);
        TorchSharp.torch.set_num_interop_threads(1);
        using var probe = TorchSharp.torch.ones(2, 2).matmul(TorchSharp.torch.ones(2, 2));
        if (probe.sum().item<float>() != 8f) throw new InvalidOperationException("TorchSharp gave a wrong 2×2 product.");
        return TorchSharp.torch.__version__;
    }

    private static IEnumerable<string> Candidates()
    {
        string root = AppContext.BaseDirectory;
        foreach (string path in new[] { Path.Combine(root, LibraryName), Path.Combine(root, "runtimes", "linux-x64", "native", LibraryName) })
        {
            if (File.Exists(path)) yield return path;
        }
    }

    private static string Describe(ElfVersionPatcher.Outcome outcome) => outcome switch
    {
        ElfVersionPatcher.Outcome.Patched => "requirement marked weak (patched now)",
        ElfVersionPatcher.Outcome.AlreadyWeak => "requirement already weak",
        _ => "not required",
    };

    private static string Innermost(Exception e)
    {
        var messages = new List<string>();
        // TorchSharp appends a long loader trace to its message: the first line of each says enough.
        for (Exception? x = e; x is not null; x = x.InnerException) messages.Add($"{x.GetType().Name}: {Peers.PeerFactory.FirstLine(x.Message)}");
        return string.Join(" <- ", messages);
    }
}
