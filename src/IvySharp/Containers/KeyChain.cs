namespace IvySharp.Containers;

/// <summary>
/// Key chains: keys joined by <c>/</c> (<c>"a/b/c"</c>), Ivy's way of naming a node anywhere in a
/// <see cref="Container"/>. Matching is by whole segments, never by string prefix.
/// </summary>
internal static class KeyChain
{
    public const char Separator = '/';

    /// <summary>The segments of <paramref name="chain"/>; every segment must be non-empty.</summary>
    public static string[] Split(string chain, string paramName)
    {
        ArgumentNullException.ThrowIfNull(chain, paramName);
        string[] segments = chain.Split(Separator);
        foreach (string segment in segments)
        {
            if (segment.Length == 0)
            {
                throw new ArgumentException(
                    $"Key chain '{chain}' has an empty segment; keys are non-empty and joined by a single '/'.", paramName);
            }
        }

        return segments;
    }

    /// <summary>Checks a single key (no separator) before it is stored.</summary>
    public static void RequireKey(string key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0 || key.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A key must be non-empty and must not contain '/'; got '{key}'.", paramName);
        }
    }

    public static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}{Separator}{key}";

    /// <summary>
    /// True when <paramref name="selector"/> names <paramref name="chain"/> or one of its ancestors:
    /// <c>"a"</c> covers <c>"a"</c> and <c>"a/x"</c> but not <c>"ab"</c>.
    /// </summary>
    public static bool Covers(string selector, string chain) =>
        chain.StartsWith(selector, StringComparison.Ordinal)
        && (chain.Length == selector.Length || chain[selector.Length] == Separator);
}
