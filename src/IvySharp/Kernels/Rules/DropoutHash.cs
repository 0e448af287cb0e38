namespace IvySharp.Kernels.Rules;

/// <summary>
/// Counter-based dropout randomness: the keep/drop decision for weight (n, h, i, j) is a pure
/// function of the seed and that position, so it does not depend on thread count, tiling or the
/// order in which kernels visit the weights.
/// </summary>
internal static class DropoutHash
{
    /// <summary>A uniform double in [0, 1) for the element at flat position <paramref name="index"/> of the (N, H, L, S′) weights.</summary>
    public static double Uniform(ulong seed, ulong index)
    {
        // SplitMix64's finaliser over (seed, index): a full-avalanche 64-bit mix; 53 bits make the double.
        ulong z = seed + ((index + 1) * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>True when the weight at <paramref name="index"/> is dropped with probability <paramref name="p"/>.</summary>
    public static bool Drop(ulong seed, ulong index, double p) => Uniform(seed, index) < p;
}
