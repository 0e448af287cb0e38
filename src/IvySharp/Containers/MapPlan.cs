using System.Collections.ObjectModel;

namespace IvySharp.Containers;

/// <summary>One argument of a nestable call: its C# parameter name and its node (null, an <see cref="IvyArray"/> or a <see cref="Container"/>).</summary>
internal readonly record struct MapInput(string Name, object? Node);

/// <summary>The §12 selection options every container-aware call takes.</summary>
internal readonly record struct MapOptions(IReadOnlyList<string>? KeyChains, bool ToApply, bool PruneUnapplied, bool MapSequences);

/// <summary>
/// One function call the mapping asks for: the leaf's key chain, the element index when a list leaf is
/// mapped element by element, and one array (or null) per input, aligned by the §12 rules.
/// </summary>
internal sealed record LeafCall(string KeyChain, int? Element, IvyArray?[] Arguments)
{
    /// <summary>The leaf as error messages name it: <c>'a/b'</c>, or <c>'a/b' element 2</c>.</summary>
    public string Where => Element is int e ? $"'{KeyChain}' element {e}" : $"'{KeyChain}'";
}

/// <summary>
/// The aligned tree of a nestable call (<see cref="ContainerMap.Align"/>): the calls to make, in key order,
/// and the skeleton that turns their results back into a container.
/// </summary>
internal sealed class MapPlan
{
    internal MapPlan(MapNode.Branch root, IReadOnlyList<LeafCall> calls)
    {
        Root = root;
        Calls = calls;
    }

    public IReadOnlyList<LeafCall> Calls { get; }

    internal MapNode.Branch Root { get; }

    /// <summary>
    /// The result container: call <c>i</c>'s result at its key chain (lists for mapped list leaves). A leaf that
    /// was not computed is kept as the first input's node when <paramref name="keepUnapplied"/>, else dropped;
    /// a sub-container whose every child was dropped is dropped too (the root never is).
    /// </summary>
    public Container Assemble(Func<int, IvyArray> resultOf, bool keepUnapplied) =>
        AssembleBranch(Root, resultOf, keepUnapplied) ?? new Container();

    private static Container? AssembleBranch(MapNode.Branch branch, Func<int, IvyArray> resultOf, bool keepUnapplied)
    {
        var children = new List<KeyValuePair<string, ContainerValue>>(branch.Keys.Length);
        for (int i = 0; i < branch.Keys.Length; i++)
        {
            // default(ContainerValue) marks a dropped child.
            ContainerValue value = branch.Children[i] switch
            {
                MapNode.Branch sub => AssembleBranch(sub, resultOf, keepUnapplied) is { } c ? ContainerValue.Of(c) : default,
                MapNode.Leaf leaf => ContainerValue.Of(resultOf(leaf.Call)),
                MapNode.Mapped mapped => ContainerValue.Sequence(mapped.Calls.Select(resultOf)),
                MapNode.Kept { Node: { } node } when keepUnapplied => ContainerValue.FromRaw(node),
                _ => default,
            };
            if (value.Kind != ContainerValueKind.None) children.Add(new(branch.Keys[i], value));
        }

        return children.Count == 0 && branch.Keys.Length > 0 ? null : Container.FromChildren(children);
    }
}

/// <summary>The skeleton nodes of a <see cref="MapPlan"/>.</summary>
internal abstract record MapNode
{
    /// <summary>A sub-container: its keys (in the reference container's order) and aligned children.</summary>
    public sealed record Branch(string[] Keys, MapNode[] Children) : MapNode;

    /// <summary>A computed array leaf: the index of its call.</summary>
    public sealed record Leaf(int Call) : MapNode;

    /// <summary>A computed list leaf mapped element by element: one call per element.</summary>
    public sealed record Mapped(int[] Calls) : MapNode;

    /// <summary>A leaf not computed: the first input's node there (an array or a stored list), or null when it has none.</summary>
    public sealed record Kept(object? Node) : MapNode;

    internal static bool IsSequence(object? node) => node is ReadOnlyCollection<IvyArray>;
}
