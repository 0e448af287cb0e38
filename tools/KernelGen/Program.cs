using System.Text;
using IvySharp.KernelGen;

// dotnet run --project tools/KernelGen [-- -check]
// Writes the *.Generated.cs files of src/IvySharp from the width table (Generator/Widths.cs); with -check,
// writes nothing and exits 1 when a file is not current. Run from anywhere inside the repository.
bool check = args.Contains("-check");
string root = KernelGenerator.FindRepositoryRoot(Directory.GetCurrentDirectory())
    ?? throw new InvalidOperationException("Run inside the repository: no IvySharp.slnx at or above the current directory.");
var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
IReadOnlyList<GeneratedFile> files = KernelGenerator.Files();
int stale = 0;
foreach (GeneratedFile file in files)
{
    string path = Path.Combine(root, file.Path);
    bool current = File.Exists(path) && File.ReadAllText(path, encoding) == file.Content;
    if (current) continue;
    stale++;
    if (!check) File.WriteAllText(path, file.Content, encoding);
    Console.WriteLine($"{(check ? "not current" : "wrote")}: {file.Path}");
}

// A *.Generated.cs the generator no longer makes (a width removed) would still compile: name it.
var owned = files.Select(f => Path.GetFullPath(Path.Combine(root, f.Path))).ToHashSet();
int orphans = 0;
foreach (string orphan in Directory.EnumerateFiles(Path.Combine(root, KernelGenerator.SourceRoot), "*.Generated.cs", SearchOption.AllDirectories).Where(p => !owned.Contains(Path.GetFullPath(p))))
{
    orphans++;
    Console.WriteLine($"not generated any more, delete it: {Path.GetRelativePath(root, orphan)}");
}

Console.WriteLine(stale == 0
    ? $"{files.Count} generated files are current."
    : $"{stale} of {files.Count} generated files {(check ? "are not current" : "rewritten")}.");
return check && stale + orphans > 0 ? 1 : 0;
