namespace IvySharp.KernelGen;

/// <summary>A file the generator owns: its path from the repository root (with '/') and its exact text.</summary>
internal sealed record GeneratedFile(string Path, string Content);
