using System.Text.RegularExpressions;
using IvySharp;
using IvySharp.Benchmarks;
using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Chart;
using IvySharp.Benchmarks.Native;
using IvySharp.Benchmarks.Peers;
using IvySharp.Benchmarks.Reporting;
using IvySharp.Benchmarks.Running;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

#if DEBUG
Console.Error.WriteLine("Build with -c Release: a Debug build would time unoptimised code.");
return 2;
#else
string root = RepositoryRoot();
Ivy.MaxDegreeOfParallelism = options.Threads;
if (options.NoTorch) TorchLoader.Skip("left out (--no-torch)");
else TorchLoader.TryInitialize(options.Threads, Console.Out);

IReadOnlyList<PeerKind> peers = PeerNames.All;
if (options.Chart)
{
    string png = Path.Combine(root, "docs", "perf", "time-vs-length.png");
    LengthSweep.Run(options, png, Console.Out);
    return 0;
}

IReadOnlyList<BenchCase> cases = options.CaseNames is { } names ? CaseCatalog.All.Where(c => names.Contains(c.Name)).ToList() : CaseCatalog.All;
Console.WriteLine($"cross-check on small twins ({cases.Count} cases)");
List<CheckResult> checks = CrossCheck.Run(cases, peers, options.Threads, Console.Out);
bool mismatch = checks.Any(c => c.Problem is null && !c.Agrees);
if (options.CheckOnly) return mismatch ? 3 : 0;

var machine = MachineInfo.Read(TorchLoader.Version);
SuiteResult result = SuiteRunner.Run(options, cases, peers, checks, machine,
    Path.Combine(root, "bench", "BenchmarkDotNet.Artifacts"), Console.Out);
string markdown = ResultsReport.Render(result, options);
// A run with the runtime's ISA switches set (e.g. AVX-512 off) names its width, so it doesn't overwrite the machine's own.
string isaSuffix = machine.IsaSwitches == "none" ? "" : "-" + MachineInfo.DefaultWidth.ToLowerInvariant();
string fileName = $"{result.Started:yyyy-MM-dd}-{Slug(machine.CpuModel)}{isaSuffix}{(options.Quick ? "-quick" : "")}.md";
string path = Path.Combine(root, "bench", "results", fileName);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
File.WriteAllText(path, markdown);
Console.WriteLine();
Console.WriteLine(markdown[..markdown.IndexOf("## Every peer", StringComparison.Ordinal)]);
Console.WriteLine($"report: {Path.GetRelativePath(root, path)} ({result.Duration.TotalMinutes:F1} minutes)");
if (mismatch) Console.WriteLine("WARNING: a peer disagrees with IvySharp on a small twin (see the report's cross-check).");
return mismatch ? 3 : 0;
#endif

// The repository root holds IvySharp.slnx; results and the chart are written under it.
static string RepositoryRoot()
{
    foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IvySharp.slnx"))) return dir.FullName;
        }
    }

    return Environment.CurrentDirectory;
}

static string Slug(string text) => Regex.Replace(text.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
