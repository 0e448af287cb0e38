using IvySharp;

namespace SentenceSimilarity.Model;

/// <summary>
/// The encoder's weights as a tree of arrays keyed by path, like <c>layer0/attention/q</c>.
/// A local stand-in for IvySharp's <c>Container</c> (built on another branch): the encoder only uses
/// the indexer and <see cref="Floats"/>, so swapping the storage is confined to this class.
/// </summary>
public sealed class WeightStore
{
    private readonly Dictionary<string, IvyArray> _arrays = new(StringComparer.Ordinal);

    /// <summary>The number of arrays.</summary>
    public int Count => _arrays.Count;

    /// <summary>All keys, in insertion order.</summary>
    public IEnumerable<string> Keys => _arrays.Keys;

    /// <summary>The array at <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No array has that key.</exception>
    public IvyArray this[string key] =>
        _arrays.TryGetValue(key, out IvyArray? array) ? array : throw new KeyNotFoundException($"No weight '{key}'.");

    /// <summary>Stores <paramref name="values"/> (not copied) as an array of <paramref name="shape"/> at <paramref name="key"/>.</summary>
    public void Add(string key, float[] values, params int[] shape) => _arrays.Add(key, IvyArray.From(values, shape));

    /// <summary>The float32 elements at <paramref name="key"/>, row-major, without a copy.</summary>
    public ReadOnlySpan<float> Floats(string key) => Flat(this[key]);

    /// <summary>An array's float32 elements as one span (shared, not copied, when it wraps a whole float array).</summary>
    public static ReadOnlySpan<float> Flat(IvyArray array)
    {
        var tensor = array.ToTensor<float>();
        return tensor.GetSpan(new nint[tensor.Rank], checked((int)tensor.FlattenedLength));
    }
}
