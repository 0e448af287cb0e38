using System.Numerics;
using IvySharp.Kernels.Backends;
using IvySharp.Kernels.Pipeline;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// The result side of a call whose arrays live on a device (<see cref="AttentionResults"/>' counterpart): the
/// backend writes the output and weights into fresh device memory of the compute type, and the result arrays are
/// made from it on the same device, converted there (float16 rounding, <c>@out</c>'s dtype) — nothing comes back
/// to the host.
/// </summary>
internal static class DeviceResults
{
    /// <summary>Computes <paramref name="plan"/> on <paramref name="backend"/>, the backend of <paramref name="device"/> (the query's storage).</summary>
    public static MultiHeadAttentionResult Run<T>(AttentionPlan plan, IAttentionBackend backend, DeviceStorage device)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        DType compute = DTypes.Of<T>();
        int outputSize = checked(plan.N * plan.L * plan.O);

        // Always a fresh target, even for an @out of the compute dtype: @out may be an input (contract §9), and a
        // device kernel reading an input while another writes over it has no defined order.
        DeviceStorage output = device.Allocate(compute, outputSize);
        DeviceStorage? weights = null;
        bool keepOutput = false;
        try
        {
            if (plan.WeightsShape is not null) weights = device.Allocate(compute, Count(plan.WeightsShape));
            using (AttentionProblem<T> problem = ProblemBuilder.Build(plan, new OutputTarget<T>(output), null, weights))
            {
                backend.Run(problem);
            }

            IvyArray result;
            if (plan.Out is null && plan.DType == compute)
            {
                result = IvyArray.OnDevice(output, plan.OutputShape);
                keepOutput = true;
            }
            else
            {
                result = plan.Out ?? IvyArray.ZerosLike(plan.Query, plan.DType, plan.OutputShape);
                WriteConverted(plan, output, (DeviceStorage)result.Storage);
            }

            return new MultiHeadAttentionResult(result, weights is null ? null : WeightsArray(plan, weights, compute));
        }
        catch
        {
            weights?.Release();
            throw;
        }
        finally
        {
            if (!keepOutput) output.Release();
        }
    }

    // A float16 call's output is rounded to float16 once, then converted into an @out of another dtype (as on the host).
    private static void WriteConverted(AttentionPlan plan, DeviceStorage computed, DeviceStorage destination)
    {
        if (plan.DType != DType.Float16 || destination.DType == DType.Float16)
        {
            destination.CopyFrom(computed);
            return;
        }

        DeviceStorage rounded = computed.Allocate(DType.Float16, computed.Length);
        try
        {
            rounded.CopyFrom(computed);
            destination.CopyFrom(rounded);
        }
        finally
        {
            rounded.Release();
        }
    }

    private static IvyArray WeightsArray(AttentionPlan plan, DeviceStorage weights, DType compute)
    {
        if (plan.DType == compute) return IvyArray.OnDevice(weights, plan.WeightsShape!);
        try
        {
            DeviceStorage converted = weights.Allocate(plan.DType, weights.Length);
            converted.CopyFrom(weights);
            return IvyArray.OnDevice(converted, plan.WeightsShape!);
        }
        finally
        {
            weights.Release();
        }
    }

    private static int Count(int[] shape)
    {
        int count = 1;
        foreach (int d in shape) count = checked(count * d);
        return count;
    }
}
