using IvySharp.Tests.Support;

namespace IvySharp.Gpu.Tests.Support;

/// <summary>Moves a test call's arrays to a device, keeping aliasing (an @out that is the query stays the query).</summary>
internal static class DeviceCalls
{
    /// <summary>The same call with every array on <paramref name="device"/>; one array passed twice becomes one device array.</summary>
    public static MhaCall OnDevice(this MhaCall call, string device)
    {
        var moved = new Dictionary<IvyArray, IvyArray>(ReferenceEqualityComparer.Instance);
        IvyArray? Move(IvyArray? array)
        {
            if (array is null) return null;
            if (!moved.TryGetValue(array, out IvyArray? copy)) moved[array] = copy = array.ToDevice(device);
            return copy;
        }

        return call with
        {
            Query = Move(call.Query)!,
            Key = Move(call.Key),
            Value = Move(call.Value),
            AttentionMask = Move(call.AttentionMask),
            InProjWeights = Move(call.InProjWeights),
            QProjWeights = Move(call.QProjWeights),
            KProjWeights = Move(call.KProjWeights),
            VProjWeights = Move(call.VProjWeights),
            OutProjWeights = Move(call.OutProjWeights),
            InProjBias = Move(call.InProjBias),
            OutProjBias = Move(call.OutProjBias),
            KeyPaddingMask = Move(call.KeyPaddingMask),
            BiasK = Move(call.BiasK),
            BiasV = Move(call.BiasV),
            StaticK = Move(call.StaticK),
            StaticV = Move(call.StaticV),
            Out = Move(call.Out),
        };
    }

    /// <summary>A fresh host copy of every array, aliasing kept (so a call whose @out is an input can run twice).</summary>
    public static MhaCall Copy(this MhaCall call)
    {
        var copies = new Dictionary<IvyArray, IvyArray>(ReferenceEqualityComparer.Instance);
        IvyArray? Clone(IvyArray? array)
        {
            if (array is null) return null;
            if (!copies.TryGetValue(array, out IvyArray? copy))
            {
                copies[array] = copy = array.DType switch
                {
                    DType.Float16 => IvyArray.From(array.ToArray<Half>(), array.Shape),
                    DType.Float32 => IvyArray.From(array.ToArray<float>(), array.Shape),
                    DType.Float64 => IvyArray.From(array.ToArray<double>(), array.Shape),
                    _ => IvyArray.From(array.ToArray<bool>(), array.Shape),
                };
            }

            return copy;
        }

        return call with
        {
            Query = Clone(call.Query)!, Key = Clone(call.Key), Value = Clone(call.Value), AttentionMask = Clone(call.AttentionMask),
            InProjWeights = Clone(call.InProjWeights), QProjWeights = Clone(call.QProjWeights), KProjWeights = Clone(call.KProjWeights),
            VProjWeights = Clone(call.VProjWeights), OutProjWeights = Clone(call.OutProjWeights), InProjBias = Clone(call.InProjBias),
            OutProjBias = Clone(call.OutProjBias), KeyPaddingMask = Clone(call.KeyPaddingMask), BiasK = Clone(call.BiasK),
            BiasV = Clone(call.BiasV), StaticK = Clone(call.StaticK), StaticV = Clone(call.StaticV), Out = Clone(call.Out),
        };
    }
}
