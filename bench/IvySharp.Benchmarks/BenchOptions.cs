using IvySharp.Benchmarks.Cases;

namespace IvySharp.Benchmarks;

/// <summary>Command-line options (see <see cref="Usage"/>).</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        IvySharp.Benchmarks: IvySharp's Ivy.MultiHeadAttention against ONNX Runtime and TorchSharp, in one process.

          dotnet run -c Release --project bench/IvySharp.Benchmarks -- [options]

          (no option)            the full suite: cross-check, references, every case (about 10-25 minutes)
          --quick                smoke run: heavy cases shrunk, shortest jobs (about 3 minutes); results file *-quick.md
          --chart                only the time-versus-length sweep, written to docs/perf/time-vs-length.png
          --cases a,b            only these cases (names as in the report: tiny, bert-base, bert-512, ...)
          --threads n            threads for every peer (default 2)
          --max-call-seconds s   a peer slower than this per call gets one timed call instead of a BenchmarkDotNet run
                                 (default 120; 5 with --quick)
          --no-torch             leave TorchSharp out
          --check-only           only the cross-peer correctness check
          --help                 this text
        """;

    public bool Quick { get; init; }

    public bool Chart { get; init; }

    public bool CheckOnly { get; init; }

    public bool NoTorch { get; init; }

    public bool Help { get; init; }

    public int Threads { get; init; } = 2;

    public double MaxCallSeconds { get; init; } = 120;

    public IReadOnlyList<string>? CaseNames { get; init; }

    /// <summary>The arguments as given, for the report's "command" line.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>The command that reproduces this run.</summary>
    public string Command => "dotnet run -c Release --project bench/IvySharp.Benchmarks" + (Arguments.Count > 0 ? " -- " + string.Join(' ', Arguments) : "");

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions { Arguments = args };
        bool budgetGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--quick" => options with { Quick = true },
                "--chart" => options with { Chart = true },
                "--check-only" => options with { CheckOnly = true },
                "--no-torch" => options with { NoTorch = true },
                "--help" or "-h" => options with { Help = true },
                "--threads" => options with { Threads = PositiveInt(Next(), "--threads") },
                "--max-call-seconds" => options with { MaxCallSeconds = PositiveDouble(Next(), "--max-call-seconds") },
                "--cases" => options with { CaseNames = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n\n{Usage}"),
            };
            budgetGiven |= args[i] == "--max-call-seconds";
        }

        if (options.Quick && !budgetGiven) options = options with { MaxCallSeconds = 5 };
        foreach (string name in options.CaseNames ?? [])
        {
            if (CaseCatalog.All.All(c => c.Name != name))
            {
                throw new ArgumentException($"Unknown case {name}; cases: {string.Join(", ", CaseCatalog.All.Select(c => c.Name))}.");
            }
        }

        return options;
    }

    private static int PositiveInt(string text, string option) =>
        int.TryParse(text, out int value) && value > 0 ? value : throw new ArgumentException($"{option} needs a positive integer, got {text}.");

    private static double PositiveDouble(string text, string option) =>
        double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out double value) && value > 0
            ? value
            : throw new ArgumentException($"{option} needs a positive number, got {text}.");
}
