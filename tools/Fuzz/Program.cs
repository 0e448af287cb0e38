using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using IvySharp;
using IvySharp.Fuzz;

// dotnet run -c Release --project tools/Fuzz -- [--cases N] [--first-seed S] [--parallel P]
//                                               | --concurrency [--threads T] [--calls C] [--recipes R]
//                                               | --memory [--calls C]
//                                               | --determinism
//                                               | --containers [--cases N] [--first-seed S] [--parallel P]
var options = Options.Parse(args);
bool optimized = typeof(IvyArray).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"IvySharp {(optimized ? "Release" : "Debug")} build, .NET {Environment.Version}, {Environment.ProcessorCount} processors, variants [{string.Join(", ", IvySharp.Tests.Reliability.KernelVariants.Supported)}]"));
int exitCode = options.Mode switch
{
    "concurrency" => Runs.Concurrency(options),
    "memory" => Runs.Memory(options),
    "determinism" => Runs.Determinism(),
    "containers" => Runs.Containers(options),
    _ => Runs.Arguments(options),
};
return exitCode;
