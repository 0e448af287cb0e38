namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// One value per <see cref="KernelVariant"/>, made on first use and kept: how prepared (packed) weights serve the
/// variant a call runs on. Thread-safe: two first callers may both make a value; the first stored wins and both
/// return it.
/// </summary>
internal sealed class VariantCache
{
    private readonly object?[] _values = new object?[KernelVariant.All.Count];

    /// <summary>The value for <paramref name="variant"/> of type <typeparamref name="TValue"/>, made with <paramref name="make"/> if there is none yet.</summary>
    public TValue Get<TValue, TState>(KernelVariant variant, TState state, Func<TState, KernelVariant, TValue> make)
        where TValue : class
    {
        int slot = IndexOf(variant);
        if (Volatile.Read(ref _values[slot]) is TValue ready) return ready;
        TValue made = make(state, variant);
        Interlocked.CompareExchange(ref _values[slot], made, null);
        return Volatile.Read(ref _values[slot]) as TValue ?? made;
    }

    private static int IndexOf(KernelVariant variant)
    {
        for (int i = 0; i < KernelVariant.All.Count; i++)
        {
            if (KernelVariant.All[i] == variant) return i;
        }

        throw new ArgumentException($"Unknown kernel variant {variant}.", nameof(variant));
    }
}
