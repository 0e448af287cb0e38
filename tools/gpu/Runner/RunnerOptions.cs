namespace IvySharp.Gpu.Runner;

/// <summary>The runner's command line.</summary>
internal sealed record RunnerOptions(string Command, string Device, bool Quick, int Calls, string? Torch, string? Out)
{
    public static RunnerOptions Parse(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "";
        string device = "gpu:0";
        bool quick = false;
        int calls = 300;
        string? torch = null, output = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--device": device = args[++i]; break;
                case "--quick": quick = true; break;
                case "--calls": calls = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--torch": torch = args[++i]; break;
                case "--out": output = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new RunnerOptions(command, device, quick, calls, torch, output);
    }
}
