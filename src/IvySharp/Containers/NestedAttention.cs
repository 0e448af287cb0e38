using IvySharp.Kernels;
using IvySharp.Planning;

namespace IvySharp.Containers;

/// <summary>
/// Runs multi-head attention once per leaf of its container arguments (contract §12): align with
/// <see cref="ContainerMap"/>, validate every leaf, compute every leaf, then write the <c>@out</c> leaves.
/// </summary>
internal static class NestedAttention
{
    // The array parameters in declaration order; the names are the C# parameter names errors carry.
    private static readonly string[] s_names =
    [
        "query", "key", "value", "attentionMask", "inProjWeights", "qProjWeights", "kProjWeights", "vProjWeights",
        "outProjWeights", "inProjBias", "outProjBias", "keyPaddingMask", "biasK", "biasV", "staticK", "staticV", "out",
    ];

    private const int OutIndex = 16;

    /// <param name="scalars">The call's non-array arguments (its array fields are ignored).</param>
    /// <param name="arrays">The array arguments in the order of <see cref="s_names"/>.</param>
    /// <param name="options">keyChains, toApply, pruneUnapplied, mapSequences.</param>
    public static ContainerAttentionResult Run(in AttentionArguments scalars, Nestable?[] arrays, MapOptions options)
    {
        if (!arrays.Any(argument => argument is { IsContainer: true }))
        {
            throw new ArgumentException(
                "No argument is a Container, so there are no leaves to map: pass IvyArray or Tensor<T> arguments to the array overload (it returns arrays), or at least one Container.",
                "query");
        }

        var inputs = new MapInput[arrays.Length];
        for (int i = 0; i < arrays.Length; i++) inputs[i] = new MapInput(s_names[i], arrays[i]?.Node);
        MapPlan map = ContainerMap.Align(inputs, options);
        IReadOnlyList<LeafCall> calls = map.Calls;
        RequireDistinctOuts(calls);

        // Every leaf is validated before any leaf is computed, so a failing leaf leaves every @out untouched.
        var plans = new AttentionPlan[calls.Count];
        for (int i = 0; i < plans.Length; i++) plans[i] = ValidateLeaf(calls[i], scalars);

        // An @out leaf may share memory with another leaf's inputs (or outputs). With more than one leaf, each
        // output is first written into a fresh array of @out's dtype and shape, and copied into @out only after
        // every leaf has been computed. A single leaf writes @out directly: the engine reads all of its inputs
        // before writing.
        bool stage = calls.Count > 1;
        Kernels.Backends.IAttentionBackend backend = Kernels.Backends.CpuBackend.Current;
        var results = new MultiHeadAttentionResult[calls.Count];
        var staged = new IvyArray?[calls.Count];
        for (int i = 0; i < calls.Count; i++)
        {
            AttentionPlan plan = plans[i];
            if (stage && plan.Out is { } target)
            {
                staged[i] = IvyArray.Zeros(target.DType, target.Shape);
                plan = AttentionValidator.Validate(Arguments(calls[i], scalars, staged[i]));
            }

            results[i] = AttentionEngine.Run(plan, backend);
        }

        for (int i = 0; i < calls.Count; i++)
        {
            if (staged[i] is { } temporary) CopySameDType(temporary, calls[i].Arguments[OutIndex]!);
        }

        Container output = map.Assemble(i => calls[i].Arguments[OutIndex] ?? results[i].Output, keepUnapplied: !options.PruneUnapplied);
        Container? weights = scalars.ReturnAttentionWeights ? map.Assemble(i => results[i].Weights!, keepUnapplied: false) : null;
        return new ContainerAttentionResult(output, weights);
    }

    private static AttentionPlan ValidateLeaf(LeafCall call, in AttentionArguments scalars)
    {
        try
        {
            return AttentionValidator.Validate(Arguments(call, scalars, call.Arguments[OutIndex]));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Leaf {call.Where}: {BareMessage(e)}", e.ParamName, e);
        }
    }

    private static AttentionArguments Arguments(LeafCall call, in AttentionArguments scalars, IvyArray? output)
    {
        IvyArray?[] a = call.Arguments;
        return scalars with
        {
            Query = a[0], Key = a[1], Value = a[2], AttentionMask = a[3],
            InProjWeights = a[4], QProjWeights = a[5], KProjWeights = a[6], VProjWeights = a[7],
            OutProjWeights = a[8], InProjBias = a[9], OutProjBias = a[10], KeyPaddingMask = a[11],
            BiasK = a[12], BiasV = a[13], StaticK = a[14], StaticV = a[15], Out = output,
        };
    }

    // One array receiving two leaves' outputs would hold only the last one: refuse it (an @out array passed
    // next to container arguments reaches every leaf, so this also catches a plain array @out with several leaves).
    private static void RequireDistinctOuts(IReadOnlyList<LeafCall> calls)
    {
        var owners = new Dictionary<IvyArray, LeafCall>(ReferenceEqualityComparer.Instance);
        foreach (LeafCall call in calls)
        {
            if (call.Arguments[OutIndex] is not { } target) continue;
            if (owners.TryGetValue(target, out LeafCall? first))
            {
                throw new ArgumentException(
                    $"The same out array would receive the outputs of leaf {first.Where} and leaf {call.Where}; give @out as a container with one array per computed leaf.",
                    "out");
            }

            owners.Add(target, call);
        }
    }

    private static void CopySameDType(IvyArray source, IvyArray destination)
    {
        switch (source.DType)
        {
            case DType.Float16: destination.WriteFrom(((ArrayStorage<Half>)source.Storage).Read()); break;
            case DType.Float32: destination.WriteFrom(((ArrayStorage<float>)source.Storage).Read()); break;
            default: destination.WriteFrom(((ArrayStorage<double>)source.Storage).Read()); break;
        }
    }

    // ArgumentException.Message ends with " (Parameter 'name')"; the wrapper adds it again from ParamName.
    private static string BareMessage(ArgumentException e)
    {
        string suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }
}
