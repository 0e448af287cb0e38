using System.Collections;
using System.Diagnostics.CodeAnalysis;
using IvySharp.Containers;

namespace IvySharp;

/// <summary>
/// An ordered tree of named nodes whose leaves are arrays: IvySharp's counterpart of Ivy's
/// <c>ivy.Container</c>. Keys are strings; a node is an <see cref="IvyArray"/>, a sub-container, or a
/// list of arrays (<see cref="ContainerValue"/>). Any node is reachable by its key chain, the keys
/// joined by <c>/</c> (<c>c["a/b/c"]</c>).
/// </summary>
/// <example>
/// <code>
/// var c = new Container
/// {
///     ["a"] = x,
///     ["b"] = new Container { ["c"] = y, ["d"] = z },
///     ["e/f"] = w,                 // creates sub-container "e"
/// };
/// IvyArray y2 = c["b/c"].AsArray();
/// foreach (var (keyChain, leaf) in c) Console.WriteLine($"{keyChain}: {leaf}");
/// </code>
/// </example>
/// <remarks>
/// Enumerating a container yields every leaf (array or list of arrays) with its key chain, depth first in
/// insertion order. Sub-containers are stored by reference; a container may not contain itself.
/// </remarks>
public sealed partial class Container : IEnumerable<KeyValuePair<string, ContainerValue>>
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, ContainerValue> _values = new(StringComparer.Ordinal);

    /// <summary>An empty container; fill it with a collection initialiser or the indexer.</summary>
    public Container()
    {
    }

    /// <summary>The keys of the direct children, in insertion order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The number of direct children.</summary>
    public int Count => _keys.Count;

    /// <summary>Every leaf's key chain (arrays and lists of arrays), depth first in insertion order.</summary>
    public IEnumerable<string> KeyChains => this.Select(leaf => leaf.Key);

    /// <summary>
    /// The node at <paramref name="keyChain"/> (a key, or keys joined by <c>/</c>). Setting a chain creates
    /// the missing sub-containers on the way; setting an existing key replaces its value in place.
    /// </summary>
    /// <exception cref="KeyNotFoundException">Get: no node at <paramref name="keyChain"/>.</exception>
    /// <exception cref="ArgumentException">A segment is empty; set: the value is <c>default</c>, a node on the way is not a container, or the value would make the container contain itself.</exception>
    public ContainerValue this[string keyChain]
    {
        get => TryGetValue(keyChain, out ContainerValue value)
            ? value
            : throw new KeyNotFoundException($"The container has no node at key chain '{keyChain}'.");
        set => Set(keyChain, value, replace: true);
    }

    /// <summary>Adds <paramref name="value"/> at <paramref name="keyChain"/> (creating sub-containers on the way); the collection-initialiser form <c>{ "a", x }</c>.</summary>
    /// <exception cref="ArgumentException">A node already exists at <paramref name="keyChain"/>, or as for the indexer's setter.</exception>
    public void Add(string keyChain, ContainerValue value) => Set(keyChain, value, replace: false);

    /// <summary>Adds a list-of-arrays leaf; lets a collection expression be the value: <c>{ "s", [x, y] }</c>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Add(string, ContainerValue)"/>.</exception>
    public void Add(string keyChain, IReadOnlyList<IvyArray> arrays) => Set(keyChain, ContainerValue.Sequence(arrays), replace: false);

    /// <summary>True when a node (leaf or sub-container) exists at <paramref name="keyChain"/>.</summary>
    public bool ContainsKey(string keyChain) => TryGetValue(keyChain, out _);

    /// <summary>The node at <paramref name="keyChain"/>, if any.</summary>
    /// <exception cref="ArgumentException">A segment of <paramref name="keyChain"/> is empty.</exception>
    public bool TryGetValue(string keyChain, out ContainerValue value)
    {
        string[] segments = KeyChain.Split(keyChain, nameof(keyChain));
        Container node = this;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            if (!node._values.TryGetValue(segments[i], out ContainerValue child) || child.Raw is not Container sub)
            {
                value = default;
                return false;
            }

            node = sub;
        }

        return node._values.TryGetValue(segments[^1], out value);
    }

    /// <summary>Removes the node at <paramref name="keyChain"/> (a leaf or a whole sub-container).</summary>
    /// <returns>False when there was no such node.</returns>
    public bool Remove(string keyChain)
    {
        string[] segments = KeyChain.Split(keyChain, nameof(keyChain));
        Container? parent = this;
        for (int i = 0; i < segments.Length - 1 && parent is not null; i++)
        {
            parent = parent._values.TryGetValue(segments[i], out ContainerValue child) ? child.Raw as Container : null;
        }

        if (parent is null || !parent._values.Remove(segments[^1])) return false;
        parent._keys.Remove(segments[^1]);
        return true;
    }

    /// <summary>Every leaf with its key chain, depth first in insertion order (sub-containers are walked, not yielded).</summary>
    public IEnumerator<KeyValuePair<string, ContainerValue>> GetEnumerator() => Leaves(string.Empty).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The direct children in insertion order, sub-containers included.</summary>
    internal IEnumerable<KeyValuePair<string, ContainerValue>> Children()
    {
        foreach (string key in _keys) yield return new(key, _values[key]);
    }

    private IEnumerable<KeyValuePair<string, ContainerValue>> Leaves(string prefix)
    {
        foreach (string key in _keys)
        {
            ContainerValue value = _values[key];
            string chain = KeyChain.Join(prefix, key);
            if (value.Raw is Container sub)
            {
                foreach (var leaf in sub.Leaves(chain)) yield return leaf;
            }
            else
            {
                yield return new(chain, value);
            }
        }
    }

    private void Set(string keyChain, ContainerValue value, bool replace)
    {
        string[] segments = KeyChain.Split(keyChain, nameof(keyChain));
        if (value.Kind == ContainerValueKind.None)
        {
            throw new ArgumentException($"Cannot store an empty value (null or default) at '{keyChain}'.", nameof(value));
        }

        Container node = this;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            if (!node._values.TryGetValue(segments[i], out ContainerValue child))
            {
                var created = new Container();
                node.Store(segments[i], created);
                node = created;
            }
            else if (child.Raw is Container existing)
            {
                node = existing;
            }
            else
            {
                string at = string.Join(KeyChain.Separator, segments[..(i + 1)]);
                throw new ArgumentException($"Cannot set '{keyChain}': the node at '{at}' is {ContainerValue.Describe(child.Kind)}, not a container.", nameof(keyChain));
            }
        }

        if (value.Raw is Container sub && sub.Reaches(node))
        {
            throw new ArgumentException($"Storing that container at '{keyChain}' would make a container contain itself.", nameof(value));
        }

        if (!replace && node._values.ContainsKey(segments[^1]))
        {
            throw new ArgumentException($"The container already has a node at '{keyChain}'.", nameof(keyChain));
        }

        node.Store(segments[^1], value);
    }

    private void Store(string key, ContainerValue value)
    {
        if (!_values.ContainsKey(key)) _keys.Add(key);
        _values[key] = value;
    }

    // True when `target` is this container or lies anywhere below it.
    private bool Reaches(Container target)
    {
        if (ReferenceEquals(this, target)) return true;
        foreach (ContainerValue value in _values.Values)
        {
            if (value.Raw is Container sub && sub.Reaches(target)) return true;
        }

        return false;
    }

    /// <summary>Builds a container from (key, value) pairs in order; used by the mapping code, which knows its keys are valid.</summary>
    internal static Container FromChildren(IEnumerable<KeyValuePair<string, ContainerValue>> children)
    {
        var result = new Container();
        foreach (var (key, value) in children) result.Store(key, value);
        return result;
    }

    /// <summary>The node at <paramref name="key"/> (a single key, no chain).</summary>
    internal bool TryGetChild(string key, [NotNullWhen(true)] out object? node)
    {
        bool found = _values.TryGetValue(key, out ContainerValue value);
        node = value.Raw;
        return found;
    }
}
