using Xunit.Abstractions;

namespace IvySharp.Tests.Support;

/// <summary>
/// Accuracy lines (<c>accuracy: …</c>) go to the test's own output and to the console, which
/// <c>dotnet test</c> shows (the test project sets the console logger to normal verbosity), so every
/// run of the suite prints the worst errors it measured.
/// </summary>
public static class AccuracyLog
{
    public static void Write(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
