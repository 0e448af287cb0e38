using System.Numerics.Tensors;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace IvySharp.Tests.Documentation;

/// <summary>The README examples redirect <see cref="Console.Out"/> while they run, so they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReadmeExamplesCollection
{
    public const string Name = "Readme examples, serial";
}

/// <summary>
/// Issue #10, build policy: the C# examples of <c>README.md</c> and <c>docs/*.md</c> compile, and the
/// programs among them run.
/// </summary>
/// <remarks>
/// <para>
/// Every fenced block whose info string is <c>csharp</c> (or <c>cs</c>, <c>c#</c>) is compiled with Roslyn
/// as its own compilation, the way a reader would paste it into a new console project: C# 14, nullable
/// enabled, the SDK's implicit usings for console apps (<c>System</c>, <c>System.Collections.Generic</c>,
/// <c>System.IO</c>, <c>System.Linq</c>, <c>System.Net.Http</c>, <c>System.Threading</c>,
/// <c>System.Threading.Tasks</c>), and references to the .NET runtime, IvySharp and
/// System.Numerics.Tensors only. Any other <c>using</c> must be in the block. Warnings fail the test as
/// errors do (the repository builds with <c>TreatWarningsAsErrors</c>); each message names the file and
/// line of the Markdown source.
/// </para>
/// <para>
/// A block with top-level statements is a program: it is emitted to memory, loaded into a collectible
/// <see cref="AssemblyLoadContext"/> (which resolves IvySharp and everything else from the default context,
/// so the block runs against the very assembly under test) and its entry point is invoked; it must finish
/// without an exception. Its console output goes to the test's output. A block without top-level
/// statements is compiled as a library and not run.
/// </para>
/// <para>
/// A block that is deliberately not complete (a signature, an excerpt) is fenced <c>```csharp fragment</c>:
/// it keeps C# highlighting and is neither compiled nor run. Any other word after the language fails
/// <see cref="Every_csharp_block_is_found_and_marked_only_as_a_program_or_a_fragment"/>, so a typo cannot
/// silently drop a block from the check.
/// </para>
/// </remarks>
[Collection(ReadmeExamplesCollection.Name)]
public sealed class ReadmeExamplesTests(ITestOutputHelper output)
{
    /// <summary>Blocks the README has today (the quick example, containers): fewer means extraction broke.</summary>
    private const int MinimumReadmeBlocks = 2;

    /// <summary>Compiled blocks in README.md and docs/*.md together (today: those two and docs/containers.md's).</summary>
    private const int MinimumBlocks = 3;

    private const string FragmentAttribute = "fragment";

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.CSharp14);

    private static readonly Lazy<MetadataReference[]> s_references = new(LoadReferences);

    /// <summary>(file relative to the repository root, 1-based number among that file's compiled blocks).</summary>
    public static TheoryData<string, int> CompiledBlocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in Documents())
        {
            for (int number = 1; number <= CompiledBlocksOf(file).Count; number++)
                data.Add(file, number);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CompiledBlocks))]
    public void Csharp_block_compiles_and_runs(string file, int number)
    {
        MarkdownCodeBlock block = CompiledBlocksOf(file)[number - 1];
        string name = $"{file} C# block {number} (line {block.FirstLine})";

        // #line maps diagnostics (and stack traces, through the embedded PDB) to the Markdown file's lines.
        SyntaxTree tree = Parse($"#line {block.FirstLine} \"{file}\"\n{block.Code}\n", file);
        bool isProgram = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            $"Example_{Path.GetFileNameWithoutExtension(file)}_{number}",
            [tree, Parse(ImplicitUsings, "ImplicitUsings.g.cs")],
            s_references.Value,
            new CSharpCompilationOptions(
                isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));

        using var image = new MemoryStream();
        EmitResult emitted = compilation.Emit(image, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.Embedded));
        string[] problems = [.. emitted.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())];
        Assert.True(emitted.Success && problems.Length == 0, $"{name} does not compile cleanly:\n  {string.Join("\n  ", problems)}");

        if (!isProgram)
        {
            output.WriteLine($"{name}: compiled (a library: nothing to run)");
            return;
        }
        image.Position = 0;
        output.WriteLine($"{name}: compiled; running it:");
        output.WriteLine(Run(image, name));
    }

    [Fact]
    public void Every_csharp_block_is_found_and_marked_only_as_a_program_or_a_fragment()
    {
        var counts = Documents().ToDictionary(file => file, file => CompiledBlocksOf(file).Count);
        foreach (var (file, count) in counts)
            output.WriteLine($"{file}: {count} compiled C# block(s)");

        Assert.True(counts["README.md"] >= MinimumReadmeBlocks, $"README.md: {counts["README.md"]} C# blocks found, expected at least {MinimumReadmeBlocks}");
        Assert.True(counts.Values.Sum() >= MinimumBlocks, $"{counts.Values.Sum()} C# blocks found in all, expected at least {MinimumBlocks}");

        string[] unknown = [.. Documents()
            .SelectMany(file => CsharpBlocksOf(file).Select(block => (file, block)))
            .Where(b => b.block.Attributes is not ("" or FragmentAttribute))
            .Select(b => $"{b.file} line {b.block.FirstLine - 1}: ```{b.block.Info}")];
        Assert.True(unknown.Length == 0, $"C# fences must be ```csharp (compiled) or ```csharp {FragmentAttribute} (not):\n  {string.Join("\n  ", unknown)}");
    }

    [Fact]
    public void Extraction_keeps_lines_and_info_strings()
    {
        // A shorter fence inside a longer one is code; an unclosed block runs to the end.
        const string Markdown = "text ```inline```\n````csharp\nint a = 1;\n```\n\n  ````\n~~~ csharp fragment\nvoid F();\n~~~\n```bash\necho `x`\n";
        var blocks = MarkdownCodeBlocks.Extract(Markdown);

        Assert.Equal(3, blocks.Count);
        Assert.Equal(new MarkdownCodeBlock("csharp", 3, "int a = 1;\n```\n"), blocks[0]);
        Assert.Equal(("csharp", "fragment", 8, "void F();"), (blocks[1].Language, blocks[1].Attributes, blocks[1].FirstLine, blocks[1].Code));
        Assert.Equal(("bash", 11, "echo `x`\n"), (blocks[2].Language, blocks[2].FirstLine, blocks[2].Code));
    }

    /// <summary>Loads the program into a collectible context, runs its entry point and returns what it printed.</summary>
    private static string Run(MemoryStream image, string name)
    {
        var context = new AssemblyLoadContext(name, isCollectible: true);
        TextWriter console = Console.Out;
        using var printed = new StringWriter();
        try
        {
            MethodInfo entryPoint = context.LoadFromStream(image).EntryPoint
                ?? throw new InvalidOperationException($"{name}: a program without an entry point");
            Console.SetOut(printed);
            object? result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            (result as Task)?.GetAwaiter().GetResult();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Assert.Fail($"{name} threw {e.InnerException}\nafter printing:\n{printed}");
        }
        finally
        {
            Console.SetOut(console);
            context.Unload();
        }
        return printed.ToString();
    }

    /// <summary>With an encoding, which the embedded PDB needs.</summary>
    private static SyntaxTree Parse(string code, string path) =>
        CSharpSyntaxTree.ParseText(SourceText.From(code, Encoding.UTF8), s_parseOptions, path);

    private static bool IsCsharp(MarkdownCodeBlock block) => block.Language is "csharp" or "cs" or "c#";

    private static IEnumerable<MarkdownCodeBlock> CsharpBlocksOf(string file) =>
        MarkdownCodeBlocks.Extract(File.ReadAllText(Path.Combine(s_repositoryRoot.Value, file))).Where(IsCsharp);

    private static List<MarkdownCodeBlock> CompiledBlocksOf(string file) =>
        [.. CsharpBlocksOf(file).Where(block => block.Attributes != FragmentAttribute)];

    /// <summary>README.md, then docs/*.md in name order, as paths relative to the repository root with '/'.</summary>
    private static IEnumerable<string> Documents() =>
        Directory.EnumerateFiles(Path.Combine(s_repositoryRoot.Value, "docs"), "*.md")
            .Select(path => "docs/" + Path.GetFileName(path))
            .Order(StringComparer.Ordinal)
            .Prepend("README.md");

    private static readonly Lazy<string> s_repositoryRoot = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IvySharp.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no IvySharp.slnx above {AppContext.BaseDirectory}");
    });

    /// <summary>
    /// The shared framework's assemblies (what a console project references, give or take the reference
    /// pack's facades), IvySharp and System.Numerics.Tensors; not the test's own packages.
    /// </summary>
    private static MetadataReference[] LoadReferences()
    {
        string[] extra = [typeof(Ivy).Assembly.Location, typeof(Tensor).Assembly.Location];
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var extraNames = extra.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => Path.GetDirectoryName(path) == framework && !extraNames.Contains(Path.GetFileName(path)))
            .Concat(extra)
            .Select(path => MetadataReference.CreateFromFile(path))];
    }
}
