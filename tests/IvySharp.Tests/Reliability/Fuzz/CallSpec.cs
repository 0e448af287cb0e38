using System.Globalization;
using System.Text;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// A call described by its arguments' shapes, dtypes and layouts rather than by arrays, so a mutation can
/// change one dimension of one argument and the arrays are built afterwards (<see cref="Build"/>).
/// </summary>
public sealed class CallSpec
{
    /// <summary>The C# parameter names of the array arguments, in the facade's order.</summary>
    public static readonly string[] ArrayNames =
    [
        "query", "key", "value", "attentionMask", "inProjWeights", "qProjWeights", "kProjWeights", "vProjWeights",
        "outProjWeights", "inProjBias", "outProjBias", "keyPaddingMask", "biasK", "biasV", "staticK", "staticV", "out",
    ];

    public Dictionary<string, ArraySpec> Arrays { get; private init; } = [];
    public bool QueryNull { get; set; }
    public bool BatchFirst { get; set; } = true;
    public int NumHeads { get; set; } = 1;
    public double? Scale { get; set; }
    public bool IsCausal { get; set; }
    public bool AddZeroAttn { get; set; }
    public bool ReturnWeights { get; set; }
    public bool Average { get; set; } = true;
    public double Dropout { get; set; }
    public bool Training { get; set; }
    public int? Seed { get; set; }

    /// <summary>@out is this argument's very array.</summary>
    public string? OutSameAs { get; set; }

    /// <summary>@out is a tensor view over this argument's memory, shifted so the two overlap in part.</summary>
    public string? OutOverlaps { get; set; }

    /// <summary>A NaN or ±∞ written into one element of a floating argument.</summary>
    public (string Name, double Value, double Where)? Poison { get; set; }

    /// <summary>Call through <see cref="IvyArray.MultiHeadAttention"/> (batch-first only) instead of the static facade.</summary>
    public bool Instance { get; set; }

    /// <summary>Magnitude of the random input values.</summary>
    public double Amplitude { get; set; } = 1;

    /// <summary>What the generator did, for failure messages.</summary>
    public List<string> Notes { get; private init; } = [];

    public CallSpec Clone()
    {
        return new CallSpec
        {
            Arrays = new Dictionary<string, ArraySpec>(Arrays),
            Notes = [.. Notes],
            QueryNull = QueryNull, BatchFirst = BatchFirst, NumHeads = NumHeads, Scale = Scale, IsCausal = IsCausal,
            AddZeroAttn = AddZeroAttn, ReturnWeights = ReturnWeights, Average = Average, Dropout = Dropout,
            Training = Training, Seed = Seed, OutSameAs = OutSameAs, OutOverlaps = OutOverlaps, Poison = Poison,
            Instance = Instance, Amplitude = Amplitude,
        };
    }

    /// <summary>Scalars, every argument's shape/dtype/layout and the generator's notes (values are reproducible from the seed).</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"batchFirst={BatchFirst} numHeads={NumHeads} scale={Scale?.ToString("R", CultureInfo.InvariantCulture) ?? "null"} isCausal={IsCausal} addZeroAttn={AddZeroAttn} ");
        text.Append(CultureInfo.InvariantCulture,
            $"returnWeights={ReturnWeights} average={Average} dropout={Dropout.ToString("R", CultureInfo.InvariantCulture)} training={Training} seed={Seed?.ToString(CultureInfo.InvariantCulture) ?? "null"} ");
        text.Append(CultureInfo.InvariantCulture, $"route={(Instance ? "instance" : "static")}");
        if (QueryNull) text.Append(" query=null");
        if (OutSameAs is not null) text.Append(CultureInfo.InvariantCulture, $" out=same array as {OutSameAs}");
        if (OutOverlaps is not null) text.Append(CultureInfo.InvariantCulture, $" out=view overlapping {OutOverlaps}");
        if (Poison is { } p) text.Append(CultureInfo.InvariantCulture, $" poison {p.Value} in {p.Name}");
        text.AppendLine();
        foreach (string name in ArrayNames)
        {
            if (Arrays.TryGetValue(name, out var spec)) text.Append(CultureInfo.InvariantCulture, $"  {name}: {spec}").AppendLine();
        }

        text.Append("  notes: ").Append(string.Join("; ", Notes));
        return text.ToString();
    }

    /// <summary>Builds the arrays (values drawn from <paramref name="r"/>) and the call.</summary>
    public HostileCall Build(Random r)
    {
        var built = new Dictionary<string, BuiltArray>();
        foreach (string name in ArrayNames)
        {
            if (name == "out" || !Arrays.TryGetValue(name, out var spec)) continue;
            built[name] = ArrayBuilder.Build(spec, Values(name, spec, r), r);
        }

        BuiltArray? output = null;
        if (OutSameAs is { } same && built.TryGetValue(same, out var sameArray))
        {
            output = sameArray;
        }
        else if (OutOverlaps is { } target && built.TryGetValue(target, out var targetArray) && Arrays.TryGetValue("out", out var outSpec)
                 && targetArray.Values.Length > 0 && outSpec.Count is > 0 and < 1 << 20)
        {
            // One memory block holding the target at 0 and @out from a shift inside it: they overlap in part.
            int targetSize = targetArray.Values.Length, outSize = (int)outSpec.Count;
            int shift = r.Next(0, targetSize);
            Array backing = ArrayBuilder.NewBacking(Arrays[target].DType, Math.Max(targetSize, shift + outSize));
            for (int i = 0; i < backing.Length; i++) ArrayBuilder.Set(backing, i, i < targetSize ? targetArray.Values[i] : r.NextDouble());
            built[target] = ArrayBuilder.ViewOf(backing, 0, Arrays[target].Shape);
            output = ArrayBuilder.ViewOf(backing, shift, outSpec.Shape);
        }
        else if (Arrays.TryGetValue("out", out var fresh))
        {
            // Pre-filled, so every element must be overwritten by a valid call.
            var values = new double[fresh.Count is > 0 and < 1 << 20 ? (int)fresh.Count : 0];
            for (int i = 0; i < values.Length; i++) values[i] = 1000 + i;
            output = ArrayBuilder.Build(fresh, values, r);
        }

        // Two logical elements at one place (a broadcast view): such an @out cannot hold a result.
        bool outOverlapsItself = output is not null && output.Map.Distinct().Count() != output.Map.Length;

        IvyArray? Get(string name) => built.TryGetValue(name, out var b) ? b.Array : null;
        IvyArray? Twin(string name) => built.TryGetValue(name, out var b) ? b.DenseCopy(Arrays[name]) : null;
        var call = new MhaCall
        {
            Query = QueryNull ? null! : Get("query")!,
            Key = Get("key"), Value = Get("value"), BatchFirst = BatchFirst, NumHeads = NumHeads, Scale = Scale,
            AttentionMask = Get("attentionMask"), InProjWeights = Get("inProjWeights"), QProjWeights = Get("qProjWeights"),
            KProjWeights = Get("kProjWeights"), VProjWeights = Get("vProjWeights"), OutProjWeights = Get("outProjWeights"),
            InProjBias = Get("inProjBias"), OutProjBias = Get("outProjBias"), IsCausal = IsCausal, KeyPaddingMask = Get("keyPaddingMask"),
            BiasK = Get("biasK"), BiasV = Get("biasV"), StaticK = Get("staticK"), StaticV = Get("staticV"), AddZeroAttn = AddZeroAttn,
            ReturnAttentionWeights = ReturnWeights, AverageAttentionWeights = Average, Dropout = Dropout, Training = Training,
            Out = output?.Array, Seed = Seed,
        };
        MhaCall? twin = QueryNull ? null : call with
        {
            Query = Twin("query")!, Key = Twin("key"), Value = Twin("value"), AttentionMask = Twin("attentionMask"),
            InProjWeights = Twin("inProjWeights"), QProjWeights = Twin("qProjWeights"), KProjWeights = Twin("kProjWeights"),
            VProjWeights = Twin("vProjWeights"), OutProjWeights = Twin("outProjWeights"), InProjBias = Twin("inProjBias"),
            OutProjBias = Twin("outProjBias"), KeyPaddingMask = Twin("keyPaddingMask"), BiasK = Twin("biasK"), BiasV = Twin("biasV"),
            StaticK = Twin("staticK"), StaticV = Twin("staticV"), Out = null,
        };
        return new HostileCall(this, call, twin, built, output, outOverlapsItself);
    }

    // Row-major values for one argument: bool masks at a random density, float masks in [-2, 2] with some −∞,
    // everything else uniform in ±Amplitude; the poison, if it targets this argument, replaces one element.
    private double[] Values(string name, ArraySpec spec, Random r)
    {
        long count = spec.Count;
        if (count is <= 0 or > 1 << 20) return [];
        var values = new double[count];
        bool mask = name is "attentionMask" or "keyPaddingMask";
        if (spec.DType == DType.Bool)
        {
            double density = r.Next(3) switch { 0 => 0.2, 1 => 0.5, _ => 0.9 };
            for (int i = 0; i < values.Length; i++) values[i] = r.NextDouble() < density ? 1 : 0;
        }
        else if (mask)
        {
            double infinityRate = r.Next(2) == 0 ? 0 : 0.3;
            for (int i = 0; i < values.Length; i++) values[i] = r.NextDouble() < infinityRate ? double.NegativeInfinity : (4 * r.NextDouble()) - 2;
        }
        else
        {
            double amplitude = name is "query" or "key" or "staticK" ? Amplitude : 1;
            for (int i = 0; i < values.Length; i++) values[i] = amplitude * ((2 * r.NextDouble()) - 1);
        }

        if (Poison is { } p && p.Name == name && spec.DType != DType.Bool)
        {
            values[(int)(p.Where * values.Length)] = p.Value;
        }

        return values;
    }
}

/// <summary>A built call: the call itself, a dense twin for the reference (null when query is null), the built arrays and @out.</summary>
public sealed record HostileCall(
    CallSpec Spec,
    MhaCall Call,
    MhaCall? Twin,
    IReadOnlyDictionary<string, BuiltArray> Arrays,
    BuiltArray? Out,
    bool OutOverlapsItself);
