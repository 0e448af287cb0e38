using System.Globalization;
using IvySharp;
using IvySharp.SharpFuzz;
using SharpFuzz;

// Under afl-fuzz:   afl-fuzz -i corpus -o findings -t 10000 -m none -- dotnet IvySharp.SharpFuzz.dll [--strict]
// Replay inputs:    dotnet IvySharp.SharpFuzz.dll --replay <file-or-folder>... [--strict] [--show] [--compare-all]
// (tools/SharpFuzz/run.sh builds, instruments and runs afl-fuzz; see docs/sharpfuzz.md.)
Properties.Strict = args.Contains("--strict") || Environment.GetEnvironmentVariable("IVYSHARP_SHARPFUZZ_STRICT") == "1";

int replay = Array.IndexOf(args, "--replay");
if (replay < 0)
{
    Fuzzer.Run(stream =>
    {
        // One thread: afl's coverage map is written by the instrumented code, and work split across threads
        // would make the same input light different edges from run to run (afl's "stability"). Set here, not
        // before Fuzzer.Run: instrumented library code touched before Run has no coverage map and faults.
        Ivy.MaxDegreeOfParallelism = 1;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        Properties.Check(CallDecoder.Decode(buffer.ToArray()));
    });
    return 0;
}

Ivy.MaxDegreeOfParallelism = 1;
bool show = args.Contains("--show");
Properties.CompareAll = args.Contains("--compare-all");
var files = args.Skip(replay + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))
    .SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p])
    .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith("README.txt", StringComparison.Ordinal))
    .ToList();
var counts = new Dictionary<string, int>();
foreach (string file in files)
{
    FuzzCall call = CallDecoder.Decode(File.ReadAllBytes(file));
    string outcome;
    try
    {
        outcome = Properties.Check(call).ToString();
    }
    catch (PropertyViolation ex)
    {
        outcome = "VIOLATION";
        Console.WriteLine($"{file}: VIOLATION {ex.Message}\n  call: {call}");
    }

    counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
    if (show && outcome != "VIOLATION") Console.WriteLine($"{file}: {outcome}\n  call: {call}");
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{files.Count} inputs{(Properties.Strict ? " (strict)" : "")}, engine variant {KernelSwitch.Current}: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}"));
return counts.ContainsKey("VIOLATION") ? 1 : 0;
