using IvySharp;

namespace SentenceSimilarity.Model;

/// <summary>Reading float weights out of the encoder's <see cref="Container"/>.</summary>
public static class Weights
{
    /// <summary>The array at <paramref name="keyChain"/> (like <c>layer0/attention/q</c>).</summary>
    /// <exception cref="KeyNotFoundException">No node at that key chain.</exception>
    /// <exception cref="InvalidOperationException">The node is not an array.</exception>
    public static IvyArray Array(this Container weights, string keyChain)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights[keyChain].AsArray();
    }

    /// <summary>The float32 elements at <paramref name="keyChain"/>, row-major, without a copy.</summary>
    public static ReadOnlySpan<float> Floats(this Container weights, string keyChain) => Flat(weights.Array(keyChain));

    /// <summary>An array's float32 elements as one span (shared, not copied, when it wraps a whole float array).</summary>
    public static ReadOnlySpan<float> Flat(IvyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var tensor = array.ToTensor<float>();
        return tensor.GetSpan(new nint[tensor.Rank], checked((int)tensor.FlattenedLength));
    }
}
