namespace IvySharp.Benchmarks.Running;

/// <summary>How a time was measured.</summary>
internal enum MeasurementSource
{
    /// <summary>BenchmarkDotNet median over its iterations.</summary>
    BenchmarkDotNet,

    /// <summary>A single Stopwatch-timed call: the peer was over the per-call budget for a BenchmarkDotNet run.</summary>
    SingleCall,
}

/// <summary>One peer's time for one case.</summary>
/// <param name="MedianSeconds">Median seconds per call.</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated per call (BenchmarkDotNet's MemoryDiagnoser), when measured.</param>
/// <param name="Iterations">Measured iterations behind the median.</param>
/// <param name="Calls">Every call made for this measurement (probe, warm-up, pilot, iterations).</param>
/// <param name="Job">The job's short description.</param>
/// <param name="WallSeconds">Wall time the measurement took.</param>
/// <param name="Source">How the time was measured.</param>
internal sealed record Measurement(
    double MedianSeconds,
    long? AllocatedBytesPerCall,
    int Iterations,
    long Calls,
    string Job,
    double WallSeconds,
    MeasurementSource Source);
