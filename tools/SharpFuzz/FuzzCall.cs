using System.Globalization;
using System.Text;

namespace IvySharp.SharpFuzz;

/// <summary>One array argument as decoded: dtype, shape and row-major values (bool: 0 or 1).</summary>
internal sealed record ArgSpec(string Name, DType DType, int[] Shape)
{
    public double[] Values { get; set; } = [];

    public int Count => Shape.Aggregate(1, (a, b) => a * b);

    public override string ToString() =>
        $"{Name} {DType.Name()} ({string.Join(", ", Shape)}) = [{string.Join(", ", Values.Select(Format))}]";

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>How <c>@out</c> is passed.</summary>
internal enum OutMode
{
    None,

    /// <summary>A new array of the predicted output shape (maybe of another dtype), holding decoded values.</summary>
    Fresh,

    /// <summary>The query's own <see cref="IvyArray"/> object.</summary>
    AliasQuery,

    /// <summary>The key's own object (the value's when only the value is given).</summary>
    AliasKey,

    /// <summary>A second <see cref="IvyArray"/> over the query's CLR array: same memory, another object.</summary>
    SameMemoryAsQuery,
}

/// <summary>One <c>Ivy.MultiHeadAttention</c> call decoded from afl's bytes (<see cref="CallDecoder"/>).</summary>
internal sealed class FuzzCall
{
    public List<ArgSpec> Arrays { get; } = [];
    public bool BatchFirst { get; set; }
    public bool IsCausal { get; set; }
    public bool Training { get; set; }
    public bool ReturnWeights { get; set; }
    public bool Average { get; set; }
    public bool AddZeroAttn { get; set; }
    public int NumHeads { get; set; }
    public double? Scale { get; set; }
    public double Dropout { get; set; }
    public int Seed { get; set; }
    public OutMode OutMode { get; set; }
    public ArgSpec? Out { get; set; }

    /// <summary>A bound on |logit| from the finite input values (∞ when it overflows); see <see cref="CallDecoder.LogitBound"/>.</summary>
    public double LogitBound { get; set; }

    /// <summary>A bound on |q·k| before the scale: above ~1e30 a float32 dot product can overflow where scale·q does not.</summary>
    public double DotBound { get; set; }

    /// <summary>A bound (≥ 1) on the terms an output element sums; the comparison's absolute floor scales with it.</summary>
    public double OutputTerms { get; set; } = 1;

    /// <summary>The largest finite |value| of any input: near float64's range rounding alone overflows on one path and not the other.</summary>
    public double MaxFinite { get; set; }

    /// <summary>Every floating input is finite (a float mask may hold −∞: that is masking, not an open engine issue).</summary>
    public bool AllFinite { get; set; }

    public ArgSpec? this[string name] => Arrays.FirstOrDefault(a => a.Name == name);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"batchFirst {BatchFirst}, numHeads {NumHeads}, scale {(Scale is { } s ? ArgSpec.Format(s) : "null")}, isCausal {IsCausal}, ");
        text.Append(CultureInfo.InvariantCulture,
            $"addZeroAttn {AddZeroAttn}, returnAttentionWeights {ReturnWeights}, averageAttentionWeights {Average}, ");
        text.Append(CultureInfo.InvariantCulture,
            $"dropout {ArgSpec.Format(Dropout)}, training {Training}, seed {Seed}, @out {OutMode}; logit bound {LogitBound:G3}, dot bound {DotBound:G3}, max |finite| {MaxFinite:G3}, all finite {AllFinite}");
        foreach (ArgSpec a in Arrays) text.Append('\n').Append("  ").Append(a);
        if (Out is not null) text.Append('\n').Append("  ").Append(Out);
        return text.ToString();
    }
}
