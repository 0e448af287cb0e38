using System.Diagnostics;

namespace SentenceSimilarity.Encoder;

/// <summary>Where an encoder pass spends its time, summed over layers and passes.</summary>
public sealed class StageTimes
{
    private readonly Dictionary<string, TimeSpan> _times = [];

    /// <summary>The stages in the order first seen, with their total time.</summary>
    public IEnumerable<KeyValuePair<string, TimeSpan>> Stages => _times;

    /// <summary>The sum over all stages.</summary>
    public TimeSpan Total => _times.Values.Aggregate(TimeSpan.Zero, (a, b) => a + b);

    /// <summary>
    /// Adds the time since <paramref name="start"/> to <paramref name="name"/> and restarts the lap. Called on a
    /// null instance it only restarts the lap: the encoder's timed and untimed passes run the same code.
    /// </summary>
    public static void Lap(StageTimes? times, string name, ref long start)
    {
        if (times is null) return;
        long now = Stopwatch.GetTimestamp();
        times._times[name] = times._times.GetValueOrDefault(name) + Stopwatch.GetElapsedTime(start, now);
        start = now;
    }
}
