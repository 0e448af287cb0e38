using System.Diagnostics.CodeAnalysis;
using IvySharp.Kernels;
using IvySharp.Planning;

namespace IvySharp.Containers;

/// <summary>
/// Runs multi-head attention once per leaf of its container arguments (contract §12): align with
/// <see cref="ContainerMap"/>, validate every leaf, compute every leaf, then write the <c>@out</c> leaves.
/// </summary>
internal static class NestedAttention
{
    /// <summary>Aligns the container arguments, then validates, computes and writes back every leaf call.</summary>
    /// <param name="arguments">The call: each array argument an array, a container or null; the scalars go to every leaf.</param>
    /// <param name="options">keyChains, toApply, pruneUnapplied, mapSequences.</param>
    [SuppressMessage("Usage", "CA2208", Justification = "ParamName is the public call's parameter (Ivy's query), as in every argument error.")]
    public static ContainerAttentionResult Run(in AttentionArguments<Nestable> arguments, MapOptions options)
    {
        IReadOnlyList<KeyValuePair<string, Nestable?>> arrays = arguments.Arrays();
        if (!arrays.Any(argument => argument.Value is { IsContainer: true }))
        {
            throw new ArgumentException(
                "No argument is a Container, so there are no leaves to map: pass IvyArray or Tensor<T> arguments to the array overload (it returns arrays), or at least one Container.",
                "query");
        }

        // Declaration order matters here: the first container argument is the one structural errors compare with.
        MapInput[] inputs = [.. arrays.Select(argument => new MapInput(argument.Key, argument.Value?.Node))];
        MapPlan map = ContainerMap.Align(inputs, options);
        IReadOnlyList<LeafCall> calls = map.Calls;
        AttentionArguments<IvyArray>[] leaves = LeafArguments(arguments, inputs, calls);
        RequireDistinctOuts(calls, leaves);

        // Every leaf is validated before any leaf is computed, so a failing leaf leaves every @out untouched.
        // Each leaf runs where its arrays live; the CPU variant is read once for the whole call. Resolving is part of
        // validation (arrays on two devices are an error), so it too happens before any leaf is computed.
        Kernels.Backends.IAttentionBackend cpu = Kernels.Backends.CpuBackend.Current;
        var plans = new AttentionPlan[calls.Count];
        var backends = new Kernels.Backends.IAttentionBackend[calls.Count];
        for (int i = 0; i < plans.Length; i++)
        {
            plans[i] = ValidateLeaf(calls[i], leaves[i]);
            backends[i] = ResolveLeaf(calls[i], plans[i], cpu);
        }

        // An @out leaf may share memory with another leaf's inputs (or outputs). With more than one leaf, each
        // output is first written into a fresh array of @out's dtype and shape, and copied into @out only after
        // every leaf has been computed. A single leaf writes @out directly: the engine reads all of its inputs
        // before writing.
        bool stage = calls.Count > 1;
        var results = new MultiHeadAttentionResult[calls.Count];
        var staged = new IvyArray?[calls.Count];
        for (int i = 0; i < calls.Count; i++)
        {
            AttentionPlan plan = plans[i];
            if (stage && plan.Out is { } target)
            {
                staged[i] = IvyArray.ZerosLike(target, target.DType, target.Shape);
                plan = AttentionValidator.Validate(leaves[i] with { Out = staged[i] });
            }

            results[i] = AttentionEngine.Run(plan, backends[i]);
        }

        for (int i = 0; i < calls.Count; i++)
        {
            if (staged[i] is { } temporary) CopySameDType(temporary, leaves[i].Out!);
        }

        Container output = map.Assemble(i => leaves[i].Out ?? results[i].Output, keepUnapplied: !options.PruneUnapplied);
        Container? weights = arguments.ReturnAttentionWeights ? map.Assemble(i => results[i].Weights!, keepUnapplied: false) : null;
        return new ContainerAttentionResult(output, weights);
    }

    // One array call per leaf: the call's scalars, and each array argument looked up by its parameter name among
    // the leaf's aligned arrays (ContainerMap gives them in the order of its inputs, whatever that order is).
    private static AttentionArguments<IvyArray>[] LeafArguments(
        in AttentionArguments<Nestable> arguments, MapInput[] inputs, IReadOnlyList<LeafCall> calls)
    {
        var slots = new Dictionary<string, int>(inputs.Length, StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++) slots.Add(inputs[i].Name, i);
        var leaves = new AttentionArguments<IvyArray>[calls.Count];
        for (int i = 0; i < leaves.Length; i++)
        {
            IvyArray?[] aligned = calls[i].Arguments;
            leaves[i] = arguments.Select((name, _) => aligned[slots[name]]);
        }

        return leaves;
    }

    private static AttentionPlan ValidateLeaf(LeafCall call, in AttentionArguments<IvyArray> leaf)
    {
        try
        {
            return AttentionValidator.Validate(leaf);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Leaf {call.Where}: {BareMessage(e)}", e.ParamName, e);
        }
    }

    private static Kernels.Backends.IAttentionBackend ResolveLeaf(LeafCall call, AttentionPlan plan, Kernels.Backends.IAttentionBackend cpu)
    {
        try
        {
            return Kernels.Backends.BackendResolver.For(plan, cpu);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Leaf {call.Where}: {BareMessage(e)}", e.ParamName, e);
        }
    }

    // One array receiving two leaves' outputs would hold only the last one: refuse it (an @out array passed
    // next to container arguments reaches every leaf, so this also catches a plain array @out with several leaves).
    [SuppressMessage("Usage", "CA2208", Justification = "ParamName is the public call's parameter (Ivy's out), as in every argument error.")]
    private static void RequireDistinctOuts(IReadOnlyList<LeafCall> calls, AttentionArguments<IvyArray>[] leaves)
    {
        var owners = new Dictionary<IvyArray, LeafCall>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < calls.Count; i++)
        {
            LeafCall call = calls[i];
            if (leaves[i].Out is not { } target) continue;
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
        if (destination.Storage is DeviceStorage device)
        {
            device.CopyFrom((DeviceStorage)source.Storage);
            return;
        }

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
