namespace IvySharp.KernelGen;

/// <summary>Every file the generator owns, from the width table. Pure: the tool writes them, the tests compare them.</summary>
internal static class KernelGenerator
{
    /// <summary>Where generated files live, from the repository root; the tool owns every *.Generated.cs under it.</summary>
    public const string SourceRoot = "src/IvySharp";

    public static IReadOnlyList<GeneratedFile> Files() => Files(Widths.All);

    public static IReadOnlyList<GeneratedFile> Files(IReadOnlyList<WidthSpec> widths) =>
    [
        .. widths.Select(WidthWriter.Write),
        MicroKernelWriter.Write(widths),
        DispatchWriter.Write(widths),
    ];

    /// <summary>The repository root: the nearest directory at or above <paramref name="start"/> holding IvySharp.slnx.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IvySharp.slnx"))) return directory.FullName;
        }

        return null;
    }
}
