using System.Numerics;
using IvySharp.Kernels.Rules;
using IvySharp.Planning;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Turns a validated <see cref="AttentionPlan"/> into the typed <see cref="AttentionProblem{T}"/> a backend
/// receives: each input array seen once in the compute type (an array passed as query, key and value becomes
/// one operand), the masks converted, the rules' parameters fixed.
/// </summary>
internal static class ProblemBuilder
{
    public static AttentionProblem<T> Build<T>(AttentionPlan plan, OutputTarget<T> output, T[]? weights, PreparedWeights? prepared = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Self-attention passes one array as query, key and value: one operand serves all three (a float16 or
        // strided input is converted once). Other arrays are distinct in practice; no table is kept for them.
        Operand<T> query = Operand<T>.Of(plan.Query);
        Operand<T> key = ReferenceEquals(plan.Key, plan.Query) ? query : Operand<T>.Of(plan.Key);
        Operand<T> value = ReferenceEquals(plan.Value, plan.Query) ? query : ReferenceEquals(plan.Value, plan.Key) ? key : Operand<T>.Of(plan.Value);
        static Operand<T>? Of(IvyArray? array) => Operand<T>.OfOptional(array);

        var shape = new AttentionShape(
            plan.N, plan.L, plan.SInput, plan.S, plan.SPrime, plan.QFeatures, plan.KFeatures, plan.VFeatures,
            plan.E, plan.H, plan.O, SequenceFirst: plan.Batched && !plan.BatchFirst);
        return new AttentionProblem<T>
        {
            Shape = shape,
            Route = plan.Route,
            SelfAttention = ReferenceEquals(plan.Key, plan.Query) && ReferenceEquals(plan.Value, plan.Query),
            Query = query,
            Key = key,
            Value = value,
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
            AverageWeights = plan.AverageWeights,
            Prepared = prepared,
        };
    }
}
