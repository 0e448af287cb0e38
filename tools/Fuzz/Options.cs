using System.Globalization;

namespace IvySharp.Fuzz;

/// <summary>Command-line options; every number has a default, so a bare mode flag runs the sizes.</summary>
internal sealed record Options(string Mode, long Cases, int FirstSeed, int Parallel, int Threads, int Calls, int Recipes)
{
    public static Options Parse(string[] args)
    {
        string mode = "arguments";
        long cases = 1_000_000;
        int firstSeed = 0, parallel = Environment.ProcessorCount, threads = 16, recipes = 200;
        int? calls = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--cases": cases = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--first-seed": firstSeed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--parallel": parallel = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--calls": calls = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--recipes": recipes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--concurrency": mode = "concurrency"; break;
                case "--memory": mode = "memory"; break;
                case "--determinism": mode = "determinism"; break;
                case "--containers": mode = "containers"; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        int defaultCalls = mode == "memory" ? 100_000 : 1000;
        return new Options(mode, cases, firstSeed, Math.Max(1, parallel), threads, calls ?? defaultCalls, recipes);
    }
}
