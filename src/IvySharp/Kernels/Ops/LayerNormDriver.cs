using System.Buffers;
using IvySharp.Internal;
using IvySharp.Planning;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Runs a validated <see cref="LayerNormPlan"/>: splits x into groups (one per index of the axes not
/// normalised), gathers each group and its scale/offset as float64, normalises it with
/// <see cref="LayerNormKernel"/> and writes it back rounded once to x's dtype. Groups are independent, so
/// they are spread over threads (<see cref="ParallelPolicy"/>) without changing any bit.
/// </summary>
internal static class LayerNormDriver
{
    /// <summary>Groups are batched into work items of at least this many elements, so tiny groups share a scheduling round.</summary>
    private const int ItemElements = 4096;

    public static IvyArray Run(LayerNormPlan plan, KernelVariant variant) => plan.DType switch
    {
        DType.Float64 => Run<double>(plan, variant),
        DType.Float32 => Run<float>(plan, variant),
        _ => Run<Half>(plan, variant),
    };

    private static IvyArray Run<T>(LayerNormPlan plan, KernelVariant variant)
        where T : unmanaged
    {
        IvyArray x = plan.X;
        int[] shape = x.Shape;
        using var output = OpOutput<T>.Create(plan.DType, plan.Out, shape, x.Size, [x, plan.Scale, plan.Offset], inPlace: x);
        if (x.Size == 0) return output.Complete(); // no group has an element: nothing to normalise, nothing is 0/0

        var layout = new GroupLayout(x.ShapeSpan, plan.Axes);
        using var xs = Operand<T>.Of(x);
        // A layer's scale/offset come prepared (float64, group order): nothing to convert or gather per call.
        IvyArray? scaleArray = plan.PreparedScale is null ? plan.Scale : null;
        IvyArray? offsetArray = plan.PreparedOffset is null ? plan.Offset : null;
        using var scale = Operand<double>.OfOptional(scaleArray);
        using var offset = Operand<double>.OfOptional(offsetArray);
        var scaleMap = scaleArray is null ? null : new BroadcastMap(scaleArray.ShapeSpan, layout);
        var offsetMap = offsetArray is null ? null : new BroadcastMap(offsetArray.ShapeSpan, layout);

        // A scale/offset that does not vary across groups (the usual per-feature one) is gathered once.
        double[]? sharedScale = plan.PreparedScale ?? (scaleMap is { Shared: true } ? scaleMap.Gather(scale!.Span, 0) : null);
        double[]? sharedOffset = plan.PreparedOffset ?? (offsetMap is { Shared: true } ? offsetMap.Gather(offset!.Span, 0) : null);

        int g = layout.GroupSize, groups = layout.Groups;
        int perItem = Math.Max(1, ItemElements / g);
        int items = (int)(((long)groups + perItem - 1) / perItem);
        SimdWidth width = variant.Algorithm == AttentionAlgorithm.Plain ? SimdWidth.Scalar : variant.Width;
        ParallelPolicy.For(items, 12L * g * perItem, item =>
        {
            double[] work = ArrayPool<double>.Shared.Rent(g);
            double[]? scaleWork = scaleMap is { Shared: false } ? ArrayPool<double>.Shared.Rent(g) : null;
            double[]? offsetWork = offsetMap is { Shared: false } ? ArrayPool<double>.Shared.Rent(g) : null;
            try
            {
                ReadOnlySpan<T> source = xs.Span;
                Span<T> destination = output.Span;
                int end = (int)Math.Min(groups, (long)(item + 1) * perItem);
                for (int m = item * perItem; m < end; m++)
                {
                    ReadOnlySpan<double> sc = sharedScale ?? (scaleMap is null ? default : scaleMap.GatherInto(scale!.Span, m, scaleWork!));
                    ReadOnlySpan<double> of = sharedOffset ?? (offsetMap is null ? default : offsetMap.GatherInto(offset!.Span, m, offsetWork!));
                    Span<double> group = work.AsSpan(0, g);
                    int start = layout.Outer(m);

                    // float64 with trailing axes: the group is one run of x and of the result, used in place.
                    if (typeof(T) == typeof(double) && layout.Trailing)
                    {
                        var x64 = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(source.Slice(start, g));
                        var y64 = System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(destination.Slice(start, g));
                        LayerNormKernel.Normalize(x64, sc, of, plan.Eps, plan.NewStd, y64, width);
                        continue;
                    }

                    if (layout.Trailing)
                    {
                        // One run: the BCL's vectorised conversions (exact widening, round-to-nearest narrowing).
                        ElementConvert.Copy<T, double>(source.Slice(start, g), group);
                        LayerNormKernel.Normalize(group, sc, of, plan.Eps, plan.NewStd, group, width);
                        ElementConvert.Copy<double, T>(group, destination.Slice(start, g));
                        continue;
                    }

                    for (int i = 0; i < g; i++) group[i] = ElementCast.ToDouble(source[start + layout.Inner(i)]);
                    LayerNormKernel.Normalize(group, sc, of, plan.Eps, plan.NewStd, group, width);
                    for (int i = 0; i < g; i++) destination[start + layout.Inner(i)] = ElementCast.FromDouble<T>(group[i]);
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(work);
                if (scaleWork is not null) ArrayPool<double>.Shared.Return(scaleWork);
                if (offsetWork is not null) ArrayPool<double>.Shared.Return(offsetWork);
            }
        });

        return output.Complete();
    }
}
