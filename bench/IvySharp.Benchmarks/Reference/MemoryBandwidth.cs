using System.Numerics;
using System.Runtime.InteropServices;
using IvySharp.Benchmarks.Peers;

namespace IvySharp.Benchmarks.Reference;

/// <summary>
/// Same-run memory bandwidth references on buffers far larger than the caches, split over the bench's
/// thread count: a copy (<see cref="Span{T}.CopyTo"/>) and a vectorised read-only sum, the access
/// pattern of decoding against cached keys and values.
/// </summary>
internal sealed class MemoryBandwidth : IDisposable
{
    private readonly float[] _source, _destination;
    private readonly int _threads;
    private readonly float[] _sums;

    public MemoryBandwidth(int megabytes, int threads)
    {
        int count = megabytes * (1 << 20) / sizeof(float);
        _source = GC.AllocateUninitializedArray<float>(count);
        _destination = GC.AllocateUninitializedArray<float>(count);
        _source.AsSpan().Fill(1f);
        _destination.AsSpan().Clear();
        _threads = threads;
        _sums = new float[threads];
    }

    private int Chunk => (_source.Length + _threads - 1) / _threads;

    /// <summary>Bytes one call of <see cref="Copy"/> or <see cref="Read"/> moves (each byte counted once).</summary>
    public long Bytes => (long)_source.Length * sizeof(float);

    /// <summary>Copies the whole source to the destination.</summary>
    public ITimedCall Copy => new Call(() => Split((start, length) => _source.AsSpan(start, length).CopyTo(_destination.AsSpan(start, length))));

    /// <summary>Reads the whole source once.</summary>
    public ITimedCall Read => new Call(() => Split((start, length) => _sums[start / Chunk] = Sum(_source.AsSpan(start, length))));

    /// <summary>The last read's partial sums, kept so the reads cannot be optimised away.</summary>
    public float Checksum => _sums.Sum();

    public void Dispose()
    {
    }

    private void Split(Action<int, int> part)
    {
        int chunk = Chunk;
        Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, t =>
        {
            int start = t * chunk;
            part(start, Math.Min(chunk, _source.Length - start));
        });
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        // Four independent accumulators so the loop is bound by loads, not by add latency.
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 3 < vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++) a += vectors[i];
        return Vector.Sum(a + b + c + d);
    }

    private sealed class Call(Action action) : ITimedCall
    {
        public void Run() => action();
    }
}
