using System.Runtime.InteropServices;

namespace IvySharp.SharpFuzz;

/// <summary>A broken property: thrown out of the fuzz action, so afl-fuzz records the input as a crash.</summary>
internal sealed class PropertyViolation(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The arrays of one run: fresh CLR arrays each time, so one path's writes never reach the other's inputs.</summary>
internal sealed class BuiltCall
{
    public Dictionary<string, IvyArray> Arrays { get; } = [];
    public IvyArray? Out { get; set; }

    /// <summary>Every CLR array behind the arguments, with its bytes before the call.</summary>
    public List<(string Name, Array Backing, byte[] Before)> Memory { get; } = [];

    /// <summary>The CLR array @out writes into (an input's when it aliases one).</summary>
    public Array? OutBacking { get; set; }

    public IvyArray? this[string name] => Arrays.GetValueOrDefault(name);
}

/// <summary>What a call gave: a rejection (ParamName and message) or the output and weights as doubles.</summary>
internal sealed record CallResult(string? RejectedParam, string? Message, int[] OutputShape, double[] Output, int[]? WeightsShape, double[]? Weights, DType OutputType);

/// <summary>Builds a decoded call's arrays and invokes <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/> on them.</summary>
internal static class CallRunner
{
    /// <summary>
    /// Builds the arrays. With <paramref name="aliasing"/> @out is what the call says (an input's object or
    /// memory); without, an aliasing @out becomes a fresh array of the same dtype and shape, for the reference run.
    /// </summary>
    public static BuiltCall Build(FuzzCall call, bool aliasing)
    {
        var built = new BuiltCall();
        foreach (ArgSpec a in call.Arrays)
        {
            (IvyArray array, Array backing) = Make(a);
            built.Arrays[a.Name] = array;
            built.Memory.Add((a.Name, backing, Bytes(backing)));
        }

        ArgSpec? aliased = call.OutMode switch
        {
            OutMode.AliasQuery or OutMode.SameMemoryAsQuery => call["query"],
            OutMode.AliasKey => call["key"] ?? call["value"],
            _ => null,
        };
        if (call.Out is not null)
        {
            (built.Out, built.OutBacking) = Make(call.Out);
            built.Memory.Add(("@out", built.OutBacking, Bytes(built.OutBacking)));
        }
        else if (aliased is not null && !aliasing)
        {
            (built.Out, built.OutBacking) = Make(aliased);
            built.Memory.Add(("@out", built.OutBacking, Bytes(built.OutBacking)));
        }
        else if (aliased is not null)
        {
            built.OutBacking = built.Memory.First(m => m.Name == aliased.Name).Backing;
            built.Out = call.OutMode == OutMode.SameMemoryAsQuery ? Wrap(built.OutBacking, aliased.Shape) : built.Arrays[aliased.Name];
        }

        return built;
    }

    /// <summary>Runs the call; only an <see cref="ArgumentException"/> naming its parameter may escape the library.</summary>
    public static CallResult Invoke(FuzzCall call, BuiltCall b, string path)
    {
        MultiHeadAttentionResult result;
        try
        {
            result = Ivy.MultiHeadAttention(
                b["query"]!, b["key"], b["value"], call.BatchFirst, call.NumHeads, call.Scale, b["attentionMask"],
                b["inProjWeights"], b["qProjWeights"], b["kProjWeights"], b["vProjWeights"], b["outProjWeights"],
                b["inProjBias"], b["outProjBias"], call.IsCausal, b["keyPaddingMask"], b["biasK"], b["biasV"],
                b["staticK"], b["staticV"], call.AddZeroAttn, call.ReturnWeights, call.Average, call.Dropout,
                call.Training, b.Out, call.Seed);
        }
        catch (ArgumentException ex) when (!string.IsNullOrEmpty(ex.ParamName))
        {
            return new CallResult(ex.ParamName, ex.Message, [], [], null, null, default);
        }
        catch (Exception ex)
        {
            throw new PropertyViolation($"{path}: {ex.GetType().Name} escaped: {ex.Message}\n{ex.StackTrace}", ex);
        }

        if (b.Out is not null && !ReferenceEquals(result.Output, b.Out))
        {
            throw new PropertyViolation($"{path}: @out was given but a different array was returned as the output");
        }

        IvyArray output = result.Output;
        return new CallResult(null, null, output.Shape, output.ToArray<double>(), result.Weights?.Shape,
            result.Weights?.ToArray<double>(), output.DType);
    }

    private static (IvyArray, Array) Make(ArgSpec a)
    {
        Array backing = a.DType switch
        {
            DType.Float16 => a.Values.Select(v => (Half)v).ToArray(),
            DType.Float32 => a.Values.Select(v => (float)v).ToArray(),
            DType.Float64 => a.Values.ToArray(),
            _ => a.Values.Select(v => v != 0).ToArray(),
        };
        return (Wrap(backing, a.Shape), backing);
    }

    private static IvyArray Wrap(Array backing, int[] shape) => backing switch
    {
        Half[] h => IvyArray.From(h, shape),
        float[] f => IvyArray.From(f, shape),
        double[] d => IvyArray.From(d, shape),
        bool[] b => IvyArray.From(b, shape),
        _ => throw new ArgumentException("unsupported backing", nameof(backing)),
    };

    public static byte[] Bytes(Array backing) => backing switch
    {
        Half[] h => MemoryMarshal.AsBytes(h.AsSpan()).ToArray(),
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()).ToArray(),
        bool[] b => MemoryMarshal.AsBytes(b.AsSpan()).ToArray(),
        _ => throw new ArgumentException("unsupported backing", nameof(backing)),
    };
}
