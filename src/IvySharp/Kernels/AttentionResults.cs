using System.Buffers;
using System.Runtime.InteropServices;
using IvySharp.Kernels.Pipeline;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// The result side of a call, shared by every backend: where the output is written, the weights buffer,
/// and the writers that turn compute-type buffers into the returned arrays.
/// </summary>
internal static class AttentionResults
{
    /// <summary>
    /// Where the backend writes the output. A fresh result array when there is no <c>@out</c> and the dtype is
    /// the compute type; <c>@out</c> itself when it has the compute dtype, is contiguous and shares no byte with
    /// any input; otherwise a pooled buffer (returned as <c>pooled</c>) that <see cref="WriteOutput{T}"/> converts
    /// or copies at the end, after every input has been read.
    /// </summary>
    public static (IvyArray Result, OutputTarget<T> Target, T[]? Pooled) Target<T>(AttentionPlan plan, int outputSize)
        where T : unmanaged
    {
        if (plan.Out is null && plan.DType == DTypes.Of<T>())
        {
            // Every element is written (the cores cover every row of every head, the GEMM every column).
            T[] data = GC.AllocateUninitializedArray<T>(outputSize);
            return (IvyArray.From(data, plan.OutputShape), new OutputTarget<T>(data, outputSize), null);
        }

        if (plan.DType != DType.Float16 && plan.Out is { Storage: ArrayStorage<T> { IsContiguous: true } storage } && !OverlapsAnyInput(plan, storage))
        {
            return (plan.Out, new OutputTarget<T>(storage), null);
        }

        T[] pooled = ArrayPool<T>.Shared.Rent(outputSize);
        return (plan.Out ?? IvyArray.Zeros(plan.DType, plan.OutputShape), new OutputTarget<T>(pooled, outputSize), pooled);
    }

    /// <summary>
    /// Writes the computed output into <paramref name="result"/>. A float16 call's result is float16
    /// (computed in float32, rounded once); an <c>@out</c> of another dtype receives that float16 result
    /// converted, as Ivy converts its result into <c>out</c>.
    /// </summary>
    public static void WriteOutput<T>(AttentionPlan plan, IvyArray result, ReadOnlySpan<T> values)
    {
        if (plan.DType != DType.Float16 || result.DType == DType.Float16)
        {
            result.WriteFrom(values);
            return;
        }

        Half[] rounded = ArrayPool<Half>.Shared.Rent(values.Length);
        try
        {
            Internal.ElementConvert.Copy(values, rounded.AsSpan(0, values.Length));
            result.WriteFrom<Half>(rounded.AsSpan(0, values.Length));
        }
        finally
        {
            ArrayPool<Half>.Shared.Return(rounded);
        }
    }

    /// <summary>The result of a call with no query rows: empty output and weights (where the query lives), nothing computed.</summary>
    public static MultiHeadAttentionResult NoQueryRows(AttentionPlan plan, IvyArray? weightsOut = null) => new(
        plan.Out ?? IvyArray.ZerosLike(plan.Query, plan.DType, plan.OutputShape),
        plan.WeightsShape is null ? null : weightsOut ?? IvyArray.ZerosLike(plan.Query, plan.DType, plan.WeightsShape));

    /// <summary>
    /// The weights as an array of the call's dtype (converted when computed in another type). With a caller's
    /// array: that array, either written in place already (<see cref="NewWeights{T}"/> handed out its elements) or
    /// written now, converted, after every input has been read.
    /// </summary>
    public static IvyArray WeightsArray<T>(AttentionPlan plan, T[] weights, IvyArray? weightsOut = null)
        where T : unmanaged
    {
        if (weightsOut is not null)
        {
            // Written in place when NewWeights handed out the caller's own array; otherwise now, and as for @out a
            // float16 call's weights are rounded to float16 once, then converted into the array's dtype.
            bool inPlace = weightsOut.Storage is ArrayStorage<T> { WholeArray: { } own } && ReferenceEquals(own, weights);
            if (!inPlace) WriteOutput<T>(plan, weightsOut, weights);
            return weightsOut;
        }

        if (plan.DType == DTypes.Of<T>()) return IvyArray.From(weights, plan.WeightsShape!);
        var converted = IvyArray.Zeros(plan.DType, plan.WeightsShape!);
        converted.WriteFrom<T>(weights);
        return converted;
    }

    /// <summary>
    /// The buffer the backend writes the weights into (compute type, the returned layout), or null when not asked for.
    /// A caller's array of the compute dtype that is a whole, dense array sharing no byte with the inputs or
    /// <c>out</c> is used itself, cleared first (the cores leave the weights of skipped, fully masked tiles as
    /// zeros): a reused array is already in memory, while a fresh one is first touched inside the call, which costs
    /// page faults (on the bench's VM about 11 µs per 4 KB page). Otherwise a fresh array.
    /// </summary>
    public static T[]? NewWeights<T>(AttentionPlan plan, IvyArray? weightsOut = null)
        where T : unmanaged
    {
        if (plan.WeightsShape is null) return null;
        if (weightsOut is not null && DirectWeights<T>(plan, weightsOut) is { } direct)
        {
            Array.Clear(direct);
            return direct;
        }

        int count = 1;
        foreach (int d in plan.WeightsShape) count = checked(count * d);
        return new T[count];
    }

    /// <summary>The caller's weights array when the backend may write into it directly, else null.</summary>
    private static T[]? DirectWeights<T>(AttentionPlan plan, IvyArray weightsOut)
        where T : unmanaged
    {
        if (plan.DType != DTypes.Of<T>() || weightsOut.Storage is not ArrayStorage<T> { WholeArray: { } array }) return null;
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(array.AsSpan());
        if (OverlapsAnyInput(plan, bytes)) return null;
        if (plan.Out is { } output && (!output.Storage.IsContiguous || BytesOf(output).Overlaps(bytes))) return null;
        return array;
    }

    /// <summary>
    /// True when <c>@out</c>'s bytes meet any input's, or an input's memory cannot be told (a strided
    /// tensor view): writing the result in place while inputs are still read would then corrupt them.
    /// </summary>
    private static bool OverlapsAnyInput<T>(AttentionPlan plan, ArrayStorage<T> output)
        where T : unmanaged => OverlapsAnyInput(plan, MemoryMarshal.AsBytes(output.ContiguousSpan));

    private static bool OverlapsAnyInput(AttentionPlan plan, ReadOnlySpan<byte> outBytes)
    {
        // A stack-allocated span: a heap array here was about 150 bytes of every call that writes into @out.
        ReadOnlySpan<IvyArray?> inputs =
        [
            plan.Query, plan.Key, plan.Value, plan.InProjWeights, plan.QProjWeights, plan.KProjWeights, plan.VProjWeights,
            plan.InProjBias, plan.OutProjWeights, plan.OutProjBias, plan.BiasK, plan.BiasV, plan.StaticK, plan.StaticV,
            plan.AttentionMask?.Array, plan.KeyPaddingMask?.Array,
        ];
        foreach (IvyArray? input in inputs)
        {
            if (input is null) continue;
            if (!input.Storage.IsContiguous) return true;
            if (BytesOf(input).Overlaps(outBytes)) return true;
        }

        return false;
    }

    /// <summary>A contiguous host array's bytes (empty for any other storage).</summary>
    private static ReadOnlySpan<byte> BytesOf(IvyArray array) => array.Storage switch
    {
        ArrayStorage<float> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<double> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<Half> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<bool> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        _ => default,
    };
}
