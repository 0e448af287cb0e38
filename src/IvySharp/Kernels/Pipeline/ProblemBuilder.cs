using System.Numerics;
using IvySharp.Kernels.Rules;
using IvySharp.Planning;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Turns a validated <see cref="AttentionPlan"/> into the typed <see cref="AttentionProblem{T}"/> a backend
/// receives: each input array seen once in the compute type (an array passed as several arguments becomes
/// one operand), the masks converted, the rules' parameters fixed.
/// </summary>
internal static class ProblemBuilder
{
    public static AttentionProblem<T> Build<T>(AttentionPlan plan, OutputTarget<T> output, T[]? weights, DeviceStorage? deviceWeights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var operands = new Dictionary<IvyArray, Operand<T>>(ReferenceEqualityComparer.Instance);
        Operand<T>? Of(IvyArray? array)
        {
            if (array is null) return null;
            if (!operands.TryGetValue(array, out Operand<T>? operand)) operands[array] = operand = Operand<T>.Of(array);
            return operand;
        }

        var shape = new AttentionShape(
            plan.N, plan.L, plan.SInput, plan.S, plan.SPrime, plan.QFeatures, plan.KFeatures, plan.VFeatures,
            plan.E, plan.H, plan.O, SequenceFirst: plan.Batched && !plan.BatchFirst);
        return new AttentionProblem<T>
        {
            Shape = shape,
            Route = plan.Route,
            DType = plan.DType,
            SelfAttention = ReferenceEquals(plan.Key, plan.Query) && ReferenceEquals(plan.Value, plan.Query),
            Query = Of(plan.Query)!,
            Key = Of(plan.Key)!,
            Value = Of(plan.Value)!,
            InProjWeights = Of(plan.InProjWeights),
            QProjWeights = Of(plan.QProjWeights),
            KProjWeights = Of(plan.KProjWeights),
            VProjWeights = Of(plan.VProjWeights),
            InProjBias = Of(plan.InProjBias),
            OutProjWeights = Of(plan.OutProjWeights),
            OutProjBias = Of(plan.OutProjBias),
            BiasK = Of(plan.BiasK),
            BiasV = Of(plan.BiasV),
            StaticK = Of(plan.StaticK),
            StaticV = Of(plan.StaticV),
            AddZeroAttn = plan.AddZeroAttn,
            Placement = new ScalePlacement<T>(T.CreateChecked(plan.Scale)),
            IsCausal = plan.IsCausal,
            AttentionMask = MaskValues<T>.Of(plan.AttentionMask),
            KeyPaddingMask = MaskValues<T>.Of(plan.KeyPaddingMask),
            Dropout = new DropoutRule<T>(plan.Dropout, plan.Seed),
            Output = output,
            Weights = weights,
            DeviceWeights = deviceWeights,
            AverageWeights = plan.AverageWeights,
        };
    }
}
