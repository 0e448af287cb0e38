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

    /// <summary>Runs <paramref name="stage"/>, adding its time to <paramref name="name"/>.</summary>
    public T Measure<T>(string name, Func<T> stage)
    {
        long start = Stopwatch.GetTimestamp();
        T result = stage();
        Add(name, Stopwatch.GetElapsedTime(start));
        return result;
    }

    /// <summary>Runs <paramref name="stage"/>, adding its time to <paramref name="name"/>.</summary>
    public void Measure(string name, Action stage)
    {
        long start = Stopwatch.GetTimestamp();
        stage();
        Add(name, Stopwatch.GetElapsedTime(start));
    }

    private void Add(string name, TimeSpan time) => _times[name] = _times.GetValueOrDefault(name) + time;
}
