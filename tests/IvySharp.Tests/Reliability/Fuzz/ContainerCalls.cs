using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// Seeded hostile calls of the nestable <see cref="Ivy.MultiHeadAttention(Nestable, Nestable?, Nestable?, bool, int, double?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, bool, bool, double, bool, Nestable?, int?, IReadOnlyList{string}?, bool, bool, bool)"/>:
/// a random valid array call (<see cref="RandomCalls"/>) spread over a random key structure, each array
/// argument either a container (its own values per leaf) or one array used for every leaf; then, in half
/// the cases, one mutation: a key missing from or added to one container argument, one leaf of the wrong
/// shape, a <c>keyChains</c> entry that selects nothing. <see cref="Run"/> checks the reliability properties.
/// </summary>
public static class ContainerCalls
{
    private static readonly string[][] Structures =
    [
        ["a"], ["a", "b"], ["enc/x", "enc/y", "dec"], ["p/q/r", "s"], ["x", "y", "z"],
    ];

    /// <summary>Runs case <paramref name="seed"/>; returns its outcome kind and the first broken property (null when none).</summary>
    public static FuzzOutcome Run(int seed)
    {
        var r = new Random(seed);
        DType dtype = r.Next(3) switch { 0 => DType.Float32, 1 => DType.Float64, _ => DType.Float16 };
        MhaCall template = RandomCalls.Create(seed, dtype, new RandomCallOptions { AllowOut = false });
        string[] leaves = Structures[r.Next(Structures.Length)];

        // Per leaf: the template with its floating arrays scaled by 1 + leaf/8 (other values, same shapes).
        MhaCall[] calls = leaves.Select((_, k) => k == 0 ? template : Scaled(template, 1 + (k / 8.0))).ToArray();
        var arguments = new Dictionary<string, Nestable>();
        var perLeaf = new Dictionary<string, bool>();
        foreach (var (name, _) in RandomCalls.Arrays(template))
        {
            bool container = name == "query" ? r.Next(10) < 7 : r.Next(2) == 0;
            perLeaf[name] = container;
            arguments[name] = container ? Tree(leaves, k => Get(calls[k], name)) : Get(calls[0], name);
        }

        if (!perLeaf.ContainsValue(true))
        {
            perLeaf["query"] = true;
            arguments["query"] = Tree(leaves, k => calls[k].Query);
        }

        // The leaf calls the library should make: a container argument's own leaf, else the shared array.
        MhaCall[] expectedCalls = calls.Select((c, k) => perLeaf.Aggregate(c, (call, p) => p.Value ? call : Set(call, p.Key, Get(calls[0], p.Key)))).ToArray();
        Container? outs = r.Next(4) == 0 ? Tree(leaves, k => Sentinel(expectedCalls[k])) : null;

        string? mutation = null;
        IReadOnlyList<string>? keyChains = null;
        if (r.Next(2) == 0)
        {
            string[] containers = perLeaf.Where(p => p.Value).Select(p => p.Key).ToArray();
            string target = containers[r.Next(containers.Length)];
            Container tree = arguments[target].Container!;
            switch (r.Next(4))
            {
                // Structure mutations need a second container to disagree with (alone, a container just has other keys).
                case 0 when leaves.Length > 1 && containers.Length > 1:
                    tree.Remove(leaves[r.Next(leaves.Length)]);
                    mutation = $"{target} lacks a key";
                    break;
                case 1 when containers.Length > 1:
                    tree["extra"] = tree[leaves[0]];
                    mutation = $"{target} has an extra key";
                    break;
                case 2 when target is not ("query" or "key" or "value"):
                    // (A wider query, key or value can be a valid call of its own: E + 1 with one head and no projections.)
                    string leaf = leaves[r.Next(leaves.Length)];
                    IvyArray wrong = tree[leaf].AsArray();
                    int[] shape = wrong.Shape;
                    shape[^1]++;
                    int size = shape.Aggregate(1, (a, b) => a * b);
                    tree[leaf] = wrong.DType == DType.Bool ? A.B(new bool[size], shape) : A.F(wrong.DType, new double[size], shape);
                    mutation = $"{target} leaf '{leaf}' one wider";
                    break;
                default:
                    keyChains = ["nowhere"];
                    mutation = "keyChains selects nothing";
                    break;
            }
        }

        var snapshot = Snapshot(arguments.Values.Append(outs is null ? null : (Nestable)outs));
        ContainerAttentionResult result;
        try
        {
            result = Invoke(template, arguments, outs, keyChains);
        }
        catch (Exception ex)
        {
            if (ex is not ArgumentException argument) return Fail("threw", $"{ex.GetType().Name}: {ex.Message}");
            if (string.IsNullOrEmpty(argument.ParamName)) return Fail("threw", $"ArgumentException without ParamName: {ex.Message}");
            if (mutation is null) return Fail($"rejected:{argument.ParamName}", $"rejected a valid call: {ex.Message}");
            return Changed(snapshot) is { } changed ? Fail("rejected", changed) : new FuzzOutcome($"rejected:{argument.ParamName}", null);
        }

        if (mutation is not null) return Fail("accepted-invalid", $"accepted a call where {mutation}");
        if (Changed(snapshot, outs) is { } modified) return Fail("valid", modified);
        for (int k = 0; k < leaves.Length; k++)
        {
            ReferenceResult expected = ReferenceAttention.Compute(expectedCalls[k]);
            double tolerance = ErrorMetric.Tolerance(dtype) * FuzzRunner.FloatSlack;
            IvyArray output = result.Output[leaves[k]].AsArray();
            if (outs is not null && !ReferenceEquals(output, outs[leaves[k]].AsArray())) return Fail("valid", $"leaf '{leaves[k]}' is not the @out leaf");
            double error = ErrorMetric.MaxRelativeError(A.D(output), expected.Output, dtype);
            if (!(error <= tolerance)) return Fail("valid", $"leaf '{leaves[k]}' output error {error:0.0e+0}");
            if (expected.Weights is not null)
            {
                double weightsError = ErrorMetric.MaxRelativeError(A.D(result.Weights![leaves[k]].AsArray()), expected.Weights, dtype);
                if (!(weightsError <= tolerance)) return Fail("valid", $"leaf '{leaves[k]}' weights error {weightsError:0.0e+0}");
            }
        }

        return new FuzzOutcome(outs is null ? "valid" : "valid-out", null);

        FuzzOutcome Fail(string kind, string why) => new(kind, $"seed {seed} ({dtype}, leaves [{string.Join(", ", leaves)}], containers [{string.Join(", ", perLeaf.Where(p => p.Value).Select(p => p.Key))}]): {why}");
    }

    private static ContainerAttentionResult Invoke(MhaCall c, Dictionary<string, Nestable> a, Container? outs, IReadOnlyList<string>? keyChains)
    {
        Nestable? Arg(string name) => a.TryGetValue(name, out Nestable? value) ? value : null;
        return Ivy.MultiHeadAttention(
            Arg("query")!, Arg("key"), Arg("value"), c.BatchFirst, c.NumHeads, c.Scale, Arg("attentionMask"), Arg("inProjWeights"),
            Arg("qProjWeights"), Arg("kProjWeights"), Arg("vProjWeights"), Arg("outProjWeights"), Arg("inProjBias"), Arg("outProjBias"),
            c.IsCausal, Arg("keyPaddingMask"), Arg("biasK"), Arg("biasV"), Arg("staticK"), Arg("staticV"), c.AddZeroAttn,
            c.ReturnAttentionWeights, c.AverageAttentionWeights, c.Dropout, c.Training, outs, c.Seed, keyChains);
    }

    private static Container Tree(string[] leaves, Func<int, IvyArray> leaf)
    {
        var tree = new Container();
        for (int k = 0; k < leaves.Length; k++) tree[leaves[k]] = leaf(k);
        return tree;
    }

    private static IvyArray Sentinel(MhaCall call)
    {
        int[] shape = ReferenceAttention.Compute(call).OutputShape;
        return A.F(call.Query.DType, Enumerable.Repeat(-7.25, shape.Aggregate(1, (x, y) => x * y)).ToArray(), shape);
    }

    private static MhaCall Scaled(MhaCall call, double factor) =>
        RandomCalls.Arrays(call).Aggregate(call, (c, p) => p.Array.DType == DType.Bool ? c
            : Set(c, p.Name, A.F(p.Array.DType, A.D(p.Array).Select(x => x * factor).ToArray(), p.Array.Shape)));

    private static IvyArray Get(MhaCall c, string name) => RandomCalls.Arrays(c).First(p => p.Name == name).Array;

    private static MhaCall Set(MhaCall c, string name, IvyArray a) => name switch
    {
        "query" => c with { Query = a }, "key" => c with { Key = a }, "value" => c with { Value = a },
        "attentionMask" => c with { AttentionMask = a }, "inProjWeights" => c with { InProjWeights = a },
        "qProjWeights" => c with { QProjWeights = a }, "kProjWeights" => c with { KProjWeights = a },
        "vProjWeights" => c with { VProjWeights = a }, "outProjWeights" => c with { OutProjWeights = a },
        "inProjBias" => c with { InProjBias = a }, "outProjBias" => c with { OutProjBias = a },
        "keyPaddingMask" => c with { KeyPaddingMask = a }, "biasK" => c with { BiasK = a }, "biasV" => c with { BiasV = a },
        "staticK" => c with { StaticK = a }, "staticV" => c with { StaticV = a },
        _ => throw new ArgumentException($"no array argument {name}", nameof(name)),
    };

    // Every array reachable from the arguments, with its values' bits, to tell that nothing was written.
    private static List<(IvyArray Array, long[] Bits)> Snapshot(IEnumerable<Nestable?> arguments)
    {
        var arrays = new List<IvyArray>();
        foreach (Nestable? argument in arguments)
        {
            if (argument?.Container is { } tree) arrays.AddRange(tree.Select(leaf => leaf.Value.AsArray()));
            else if (argument?.Array is { } array) arrays.Add(array);
        }

        return arrays.Distinct().Select(a => (a, A.D(a).Select(BitConverter.DoubleToInt64Bits).ToArray())).ToList();
    }

    private static string? Changed(List<(IvyArray Array, long[] Bits)> snapshot, Container? writable = null)
    {
        var outputs = writable is null ? [] : writable.Select(leaf => leaf.Value.AsArray()).ToHashSet();
        foreach (var (array, bits) in snapshot)
        {
            if (outputs.Contains(array)) continue;
            if (!A.D(array).Select(BitConverter.DoubleToInt64Bits).SequenceEqual(bits)) return $"an input of shape ({string.Join(", ", array.Shape)}) changed";
        }

        return null;
    }
}
