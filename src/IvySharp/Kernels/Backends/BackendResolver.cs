using IvySharp.Planning;

namespace IvySharp.Kernels.Backends;

/// <summary>
/// Which backend computes a validated call: the call runs where its arrays live (as in Ivy). Arrays in host
/// memory — the common case, checked first with one type test per array and no allocation — go to the CPU
/// backend the caller read; arrays on a device go to that device's backend. Arrays on different devices are an
/// <see cref="ArgumentException"/> naming the argument that differs from the query.
/// </summary>
internal static class BackendResolver
{
    /// <summary>The backend for <paramref name="plan"/>; <paramref name="cpu"/> when every array is in host memory.</summary>
    public static IAttentionBackend For(AttentionPlan plan, IAttentionBackend cpu)
    {
        // The plan's arrays with their C# parameter names, in the public parameter order (stack-allocated spans).
        ReadOnlySpan<IvyArray?> arrays =
        [
            plan.Query, plan.Key, plan.Value, plan.AttentionMask?.Array, plan.InProjWeights, plan.QProjWeights,
            plan.KProjWeights, plan.VProjWeights, plan.OutProjWeights, plan.InProjBias, plan.OutProjBias,
            plan.KeyPaddingMask?.Array, plan.BiasK, plan.BiasV, plan.StaticK, plan.StaticV, plan.Out,
        ];
        bool anyOnDevice = false;
        foreach (IvyArray? array in arrays) anyOnDevice |= array?.Storage is DeviceStorage;
        if (!anyOnDevice) return cpu;

        ReadOnlySpan<string> names =
        [
            "query", "key", "value", "attentionMask", "inProjWeights", "qProjWeights", "kProjWeights", "vProjWeights",
            "outProjWeights", "inProjBias", "outProjBias", "keyPaddingMask", "biasK", "biasV", "staticK", "staticV", "out",
        ];
        string device = plan.Query.Device;
        for (int i = 1; i < arrays.Length; i++)
        {
            if (arrays[i] is { } array && array.Device != device)
            {
                throw new ArgumentException(
                    $"{names[i]} is on {array.Device} but query is on {device}: every array of a call must live on one device (move it with ToDevice(\"{device}\")).",
                    names[i]);
            }
        }

        return ((DeviceStorage)plan.Query.Storage).Backend;
    }
}
