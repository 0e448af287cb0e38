using System.Buffers;
using System.Numerics;
using IvySharp.Kernels.Flash;
using IvySharp.Kernels.Plain;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Every CPU path, in one place: the input pipeline (<see cref="AttentionInputs{T}"/>), the variant's core —
/// <see cref="PlainCore{T}"/> for the plain algorithm, the tiled engine (<see cref="FlashDispatch"/>, then
/// <see cref="FlashRepair{T}"/>) otherwise — and the output projection. The core writes the attended rows
/// into a pooled (N, L, E) buffer, or straight into the output when there is no output projection.
/// </summary>
internal static class CpuAttention<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Run(AttentionProblem<T> problem, KernelVariant variant)
    {
        AttentionShape shape = problem.Shape;
        int e = shape.E, d = shape.D;
        // A layer's weights packed beforehand serve only the variant they were packed for (the bits are the same either way).
        PreparedProjections<T>? prepared = problem.Prepared?.For<T>(variant);
        using var inputs = new AttentionInputs<T>(problem, variant, prepared);
        T[]? attended = problem.ProjectsOutput ? ArrayPool<T>.Shared.Rent(shape.N * shape.L * e) : null;
        try
        {
            StridedBuffer<T> attendedView;
            if (attended is not null)
            {
                attendedView = new StridedBuffer<T>(attended, (long)shape.L * e, d, e);
            }
            else
            {
                // No output projection: the core writes the output layout directly.
                long sample = shape.SequenceFirst ? e : (long)shape.L * e, row = shape.SequenceFirst ? (long)shape.N * e : e;
                attendedView = problem.Output.View(sample, d, row);
            }

            var core = CoreProblem<T>.Rent(problem, inputs.Query, inputs.Key, inputs.Value, attendedView);
            try
            {
                RunCore(core, variant);
                if (core.QueryLost)
                {
                    // scale·q underflowed to ±0 for a nonzero q element (a subnormal scale or query): (scale·q)·±∞ would be NaN
                    // where the contract's scale·(q·k) is ±∞. Rare, so the whole call runs again with the scale on the scores
                    // (ScalePlacement), every path alike; the weights are cleared first, as the cores expect them.
                    core.PlaceScaleOnScores();
                    if (core.Weights is { } weights) Array.Clear(weights);
                    RunCore(core, variant);
                }

                if (variant.Algorithm != AttentionAlgorithm.Plain) FlashRepair<T>.Run(core);
            }
            finally
            {
                core.Return();
            }

            if (attended is not null) OutputProjection<T>.Run(problem, attended, problem.Output.Span, variant, prepared?.OutProjection);
        }
        finally
        {
            if (attended is not null) ArrayPool<T>.Shared.Return(attended);
        }
    }

    private static void RunCore(CoreProblem<T> core, KernelVariant variant)
    {
        if (variant.Algorithm == AttentionAlgorithm.Plain) PlainCore<T>.Run(core);
        else FlashDispatch.Attend(core, variant);
    }
}
