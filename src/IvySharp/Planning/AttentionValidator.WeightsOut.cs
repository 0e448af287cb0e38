using IvySharp.Internal;

namespace IvySharp.Planning;

internal static partial class AttentionValidator
{
    /// <summary>The public name of the layer's weights destination, as <see cref="ArgumentException.ParamName"/>.</summary>
    public const string WeightsOutName = "attentionWeightsOut";

    /// <summary>
    /// Checks a caller's array for the weights against a validated call, before anything is written: the call must
    /// return weights, and the array must be a host array of a floating dtype with exactly the weights' shape and no
    /// overlapping elements. It may share memory with the inputs or <c>out</c> (then it is written last, like
    /// <c>out</c>).
    /// </summary>
    /// <exception cref="ArgumentException">ParamName <see cref="WeightsOutName"/>; the message gives the expected and given shape or dtype.</exception>
    public static void ValidateWeightsOut(AttentionPlan plan, IvyArray weightsOut)
    {
        if (plan.WeightsShape is not { } shape)
        {
            throw Fail(WeightsOutName, $"{WeightsOutName} was given but the call returns no weights: pass returnAttentionWeights: true, or no {WeightsOutName}.");
        }

        if (!weightsOut.DType.IsFloating())
        {
            throw Fail(WeightsOutName, $"{WeightsOutName} must have a floating dtype (float16, float32 or float64); got {weightsOut.DType.Name()}.");
        }

        if (!weightsOut.ShapeSpan.SequenceEqual(shape))
        {
            throw Fail(WeightsOutName, $"{WeightsOutName} must have the weights' shape {ShapeText.Of(shape)} ({(plan.AverageWeights ? "averaged over heads" : "per head")}); got {ShapeText.Of(weightsOut.ShapeSpan)}.");
        }

        if (weightsOut.Storage is DeviceStorage || plan.Query.Storage is DeviceStorage)
        {
            throw Fail(WeightsOutName, $"{WeightsOutName} takes host arrays only, on a call computed on the host; got {(weightsOut.Storage is DeviceStorage ? "a device array" : "a call on a device")}.");
        }

        if (weightsOut.Storage.OverlappingAxis() is int axis)
        {
            throw Fail(WeightsOutName, $"{WeightsOutName} is a view whose elements share memory (axis {axis} of shape {ShapeText.Of(weightsOut.ShapeSpan)} has a zero or overlapping stride); it cannot receive the weights.");
        }
    }
}
