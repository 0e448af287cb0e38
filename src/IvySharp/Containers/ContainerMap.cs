using System.Collections.ObjectModel;

namespace IvySharp.Containers;

/// <summary>
/// The one place where container arguments are aligned (contract §12). Every container-aware call goes
/// through <see cref="Align"/>: several inputs in (arrays, containers, null), one <see cref="LeafCall"/> out
/// per leaf to compute, with the broadcast and selection rules applied and every structural error raised
/// before the caller computes anything.
/// </summary>
/// <remarks>
/// Rules, at each key chain:
/// <list type="bullet">
/// <item>If any input holds a container there, every container input must have the same keys (compared with
/// the first container input, in its key order); inputs holding an array or null pass it to every leaf below.</item>
/// <item>Else, if any input holds a list of arrays, the lists are mapped element by element (all of one length,
/// arrays broadcast to every element) when <c>mapSequences</c>; without it a computed list leaf is an error.</item>
/// <item>Else the arrays (and nulls) are one call.</item>
/// <item><c>keyChains</c> select whole segments; with <c>toApply</c> the selected leaves are computed, without it the
/// others. A leaf not computed keeps the first input's node. No <c>keyChains</c> computes every leaf.</item>
/// </list>
/// </remarks>
internal static class ContainerMap
{
    public static MapPlan Align(IReadOnlyList<MapInput> inputs, MapOptions options)
    {
        string[]? selectors = ValidateKeyChains(options.KeyChains);
        var aligner = new Aligner(inputs, options, selectors);
        object?[] roots = inputs.Select(input => input.Node).ToArray();
        var root = (MapNode.Branch)aligner.Node(string.Empty, roots);
        aligner.RequireEverySelectorMatched();
        return new MapPlan(root, aligner.Calls);
    }

    private static string[]? ValidateKeyChains(IReadOnlyList<string>? keyChains)
    {
        if (keyChains is null) return null;
        var selectors = new string[keyChains.Count];
        for (int i = 0; i < selectors.Length; i++)
        {
            string chain = keyChains[i] ?? throw new ArgumentException($"keyChains[{i}] is null.", nameof(keyChains));
            KeyChain.Split(chain, nameof(keyChains));
            selectors[i] = chain;
        }

        return selectors;
    }

    private sealed class Aligner(IReadOnlyList<MapInput> inputs, MapOptions options, string[]? selectors)
    {
        private readonly bool[] _matched = new bool[selectors?.Length ?? 0];
        private readonly List<string> _leafChains = [];

        public List<LeafCall> Calls { get; } = [];

        public MapNode Node(string chain, object?[] nodes)
        {
            int reference = Array.FindIndex(nodes, node => node is Container);
            return reference >= 0 ? Branch(chain, nodes, reference) : LeafNode(chain, nodes);
        }

        public void RequireEverySelectorMatched()
        {
            for (int i = 0; i < _matched.Length; i++)
            {
                if (_matched[i]) continue;
                string leaves = _leafChains.Count == 0 ? "there are none" : string.Join(", ", _leafChains.Take(20).Select(c => $"'{c}'")) + (_leafChains.Count > 20 ? ", ..." : string.Empty);
                throw new ArgumentException(
                    $"keyChains entry '{selectors![i]}' selects no leaf (key chains match whole segments); the leaves are {leaves}.", "keyChains");
            }
        }

        private MapNode.Branch Branch(string chain, object?[] nodes, int reference)
        {
            var referenceContainer = (Container)nodes[reference]!;
            string referenceName = inputs[reference].Name;
            for (int i = 0; i < nodes.Length; i++)
            {
                if (MapNode.IsSequence(nodes[i]))
                {
                    throw Mismatch(i, $"{inputs[i].Name} holds a list of arrays at '{chain}' where {referenceName} holds a container.");
                }

                if (nodes[i] is not Container other || i == reference) continue;
                foreach (string key in referenceContainer.Keys)
                {
                    if (!other.TryGetChild(key, out _))
                    {
                        throw Mismatch(i, $"{inputs[i].Name} has no node at '{KeyChain.Join(chain, key)}', which {referenceName} has; container arguments must share one key structure.");
                    }
                }

                foreach (string key in other.Keys)
                {
                    if (!referenceContainer.TryGetChild(key, out _))
                    {
                        throw Mismatch(i, $"{inputs[i].Name} has a node at '{KeyChain.Join(chain, key)}', which {referenceName} lacks; container arguments must share one key structure.");
                    }
                }
            }

            string[] keys = [.. referenceContainer.Keys];
            var children = new MapNode[keys.Length];
            for (int k = 0; k < keys.Length; k++)
            {
                var childNodes = new object?[nodes.Length];
                for (int i = 0; i < nodes.Length; i++)
                {
                    // A container descends; an array (or null) is used for every leaf below (§12 broadcast).
                    childNodes[i] = nodes[i] is Container c && c.TryGetChild(keys[k], out object? child) ? child : nodes[i];
                }

                children[k] = Node(KeyChain.Join(chain, keys[k]), childNodes);
            }

            return new MapNode.Branch(keys, children);
        }

        private MapNode LeafNode(string chain, object?[] nodes)
        {
            _leafChains.Add(chain);
            if (!IsComputed(chain)) return new MapNode.Kept(nodes[0]);
            int sequence = Array.FindIndex(nodes, MapNode.IsSequence);
            if (sequence < 0) return new MapNode.Leaf(AddCall(chain, null, nodes));
            var list = (ReadOnlyCollection<IvyArray>)nodes[sequence]!;
            string name = inputs[sequence].Name;
            if (!options.MapSequences)
            {
                throw Mismatch(sequence, $"{name} holds a list of arrays at '{chain}'; pass mapSequences: true to map it element by element.");
            }

            for (int i = 0; i < nodes.Length; i++)
            {
                if (nodes[i] is ReadOnlyCollection<IvyArray> other && other.Count != list.Count)
                {
                    throw Mismatch(i, $"{inputs[i].Name} holds a list of {other.Count} arrays at '{chain}' but {name} holds {list.Count}; lists mapped together must have the same length.");
                }
            }

            var calls = new int[list.Count];
            for (int e = 0; e < calls.Length; e++)
            {
                var elementNodes = new object?[nodes.Length];
                for (int i = 0; i < nodes.Length; i++)
                {
                    elementNodes[i] = nodes[i] is ReadOnlyCollection<IvyArray> l ? l[e] : nodes[i];
                }

                calls[e] = AddCall(chain, e, elementNodes);
            }

            return new MapNode.Mapped(calls);
        }

        private int AddCall(string chain, int? element, object?[] nodes)
        {
            Calls.Add(new LeafCall(chain, element, nodes.Select(node => (IvyArray?)node).ToArray()));
            return Calls.Count - 1;
        }

        private bool IsComputed(string chain)
        {
            if (selectors is null) return true;
            bool selected = false;
            for (int i = 0; i < selectors.Length; i++)
            {
                if (!KeyChain.Covers(selectors[i], chain)) continue;
                _matched[i] = true;
                selected = true;
            }

            return selected == options.ToApply;
        }

        private ArgumentException Mismatch(int input, string message) => new(message, inputs[input].Name);
    }
}
