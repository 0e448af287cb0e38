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
    public static AttentionProblem<T> Build<T>(AttentionPlan plan, OutputTarget<T> output, T[]? weights, DeviceStorage? deviceWeights = null, PreparedWeights? prepared = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Self-attention passes one array as query, key and value: one operand serves all three (a float16 or
        // strided input is converted once). Other arrays are distinct in practice; no table is kept for them.
        var query = Operand<T>.Of(plan.Query);
        Operand<T> key = ReferenceEquals(plan.Key, plan.Query) ? query : Operand<T>.Of(plan.Key);
        Operand<T> value = ReferenceEquals(plan.Value, plan.Query) ? query : ReferenceEquals(plan.Value, plan.Key) ? key : Operand<T>.Of(plan.Value);
        // Prepared (packed) projection weights replace the weight arrays: they are not read, so not converted.
        bool readWeights = prepared is null;
        Operand<T>? Weight(IvyArray? array) => readWeights ? Operand<T>.OfOptional(array) : null;

        var shape = new AttentionShape(
            plan.N, plan.L, plan.SInput, plan.S, plan.SPrime, plan.QFeatures, plan.KFeatures, plan.VFeatures,
            plan.E, plan.H, plan.O, SequenceFirst: plan.Batched && !plan.BatchFirst);
        return new AttentionProblem<T>
        {
            Shape = shape,
            Route = plan.Route,
            DType = plan.DType,
            SelfAttention = ReferenceEquals(plan.Key, plan.Query) && ReferenceEquals(plan.Value, plan.Query),
            Query = query,
            Key = key,
            Value = value,
            InProjWeights = Weight(plan.InProjWeights),
            QProjWeights = Weight(plan.QProjWeights),
            KProjWeights = Weight(plan.KProjWeights),
            VProjWeights = Weight(plan.VProjWeights),
            InProjBias = Weight(plan.InProjBias),
            OutProjWeights = Weight(plan.OutProjWeights),
            OutProjBias = Weight(plan.OutProjBias),
            BiasK = Operand<T>.OfOptional(plan.BiasK),
            BiasV = Operand<T>.OfOptional(plan.BiasV),
            StaticK = Operand<T>.OfOptional(plan.StaticK),
            StaticV = Operand<T>.OfOptional(plan.StaticV),
            AddZeroAttn = plan.AddZeroAttn,
            ProjectsOutput = plan.OutProjWeights is not null,
            Placement = new ScalePlacement<T>(T.CreateChecked(plan.Scale)),
            IsCausal = plan.IsCausal,
            AttentionMask = MaskValues<T>.Of(plan.AttentionMask),
            KeyPaddingMask = MaskValues<T>.Of(plan.KeyPaddingMask),
            Dropout = new DropoutRule<T>(plan.Dropout, plan.Seed),
            Output = output,
            Weights = weights,
            DeviceWeights = deviceWeights,
            AverageWeights = plan.AverageWeights,
            Prepared = prepared,
        };
    }
}
