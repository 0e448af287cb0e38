using IvySharp.Containers;

namespace IvySharp;

public sealed partial class Container
{
    /// <summary>
    /// A new container with <paramref name="function"/> applied to every array leaf (Ivy's <c>cont_map</c>);
    /// a list leaf is mapped element by element. The function gets the leaf's key chain and array.
    /// </summary>
    /// <param name="function">Called once per array, in key order, with the key chain and the array; must not return null.</param>
    /// <param name="keyChains">Key chains selecting leaves by whole segments (<c>"a"</c> selects <c>"a/x"</c>, never <c>"ab"</c>); null selects every leaf.</param>
    /// <param name="toApply">True maps the selected leaves; false every leaf except them.</param>
    /// <param name="pruneUnapplied">Drop the leaves not mapped; otherwise they are kept unchanged.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException">A key chain is malformed or selects no leaf.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="function"/> returned null.</exception>
    public Container Map(
        Func<string, IvyArray, IvyArray> function,
        IReadOnlyList<string>? keyChains = null,
        bool toApply = true,
        bool pruneUnapplied = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        MapPlan plan = ContainerMap.Align([new MapInput("this", this)], new MapOptions(keyChains, toApply, pruneUnapplied, MapSequences: true));
        var results = new IvyArray[plan.Calls.Count];
        for (int i = 0; i < results.Length; i++)
        {
            LeafCall call = plan.Calls[i];
            results[i] = function(call.KeyChain, call.Arguments[0]!)
                ?? throw new InvalidOperationException($"The function returned null for leaf {call.Where}.");
        }

        return plan.Assemble(i => results[i], keepUnapplied: !pruneUnapplied);
    }
}
