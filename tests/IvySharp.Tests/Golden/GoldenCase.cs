using System.Globalization;
using System.Text.Json;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Golden;

/// <summary>An array read from the golden file: its shape and either floating values or booleans.</summary>
public sealed record GoldenArray(int[] Shape, double[]? Floats, bool[]? Bools)
{
    public bool IsBool => Bools is not null;

    /// <summary>The array as an <see cref="IvyArray"/>: booleans stay bool, floating values become <paramref name="dtype"/>.</summary>
    public IvyArray ToIvy(DType dtype) => IsBool ? A.B(Bools!, Shape) : A.F(dtype, Floats!, Shape);

    internal static GoldenArray Read(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        JsonElement data = e.GetProperty("data");
        bool isBool = e.TryGetProperty("dtype", out JsonElement dtype) && dtype.GetString() == "bool";
        return isBool
            ? new GoldenArray(shape, null, data.EnumerateArray().Select(x => x.GetBoolean()).ToArray())
            : new GoldenArray(shape, data.EnumerateArray().Select(ReadDouble).ToArray(), null);
    }

    // JSON has no infinities: the generator writes them as the strings "Infinity" / "-Infinity".
    private static double ReadDouble(JsonElement x) =>
        x.ValueKind == JsonValueKind.String ? double.Parse(x.GetString()!, CultureInfo.InvariantCulture) : x.GetDouble();
}

/// <summary>
/// One golden case (format: tools/golden/README.md): the C# arguments, the named input arrays, and
/// PyTorch's float64 output and weights.
/// </summary>
public sealed record GoldenCase(
    string Name,
    string[] Tags,
    int NumHeads,
    bool BatchFirst,
    double? Scale,
    bool IsCausal,
    bool AddZeroAttn,
    bool ReturnAttentionWeights,
    bool AverageAttentionWeights,
    IReadOnlyDictionary<string, GoldenArray> Inputs,
    GoldenArray ExpectedOutput,
    GoldenArray? ExpectedWeights)
{
    public const string FileName = "pytorch-mha.json";

    private static readonly Lazy<IReadOnlyList<GoldenCase>> Loaded = new(Load);

    /// <summary>Every case in the committed file, in file order.</summary>
    public static IReadOnlyList<GoldenCase> All => Loaded.Value;

    /// <summary>The case's name and tags, for failure messages.</summary>
    public string Label => $"{Name} [{string.Join(' ', Tags)}]";

    /// <summary>True where the query is batched, sequence-first and has more than one sample (the instance method cannot take it).</summary>
    public bool IsSequenceFirstBatch => !BatchFirst && Inputs["query"].Shape.Length == 3;

    /// <summary>The C# call of this case with every floating input in <paramref name="dtype"/>; float masks in <paramref name="maskDType"/>.</summary>
    public MhaCall ToCall(DType dtype, DType maskDType)
    {
        IvyArray? Get(string name, DType d) => Inputs.TryGetValue(name, out GoldenArray? a) ? a.ToIvy(d) : null;
        return new MhaCall
        {
            Query = Get("query", dtype)!,
            Key = Get("key", dtype),
            Value = Get("value", dtype),
            BatchFirst = BatchFirst,
            NumHeads = NumHeads,
            Scale = Scale,
            AttentionMask = Get("attentionMask", maskDType),
            InProjWeights = Get("inProjWeights", dtype),
            QProjWeights = Get("qProjWeights", dtype),
            KProjWeights = Get("kProjWeights", dtype),
            VProjWeights = Get("vProjWeights", dtype),
            OutProjWeights = Get("outProjWeights", dtype),
            InProjBias = Get("inProjBias", dtype),
            OutProjBias = Get("outProjBias", dtype),
            IsCausal = IsCausal,
            KeyPaddingMask = Get("keyPaddingMask", maskDType),
            BiasK = Get("biasK", dtype),
            BiasV = Get("biasV", dtype),
            StaticK = Get("staticK", dtype),
            StaticV = Get("staticV", dtype),
            AddZeroAttn = AddZeroAttn,
            ReturnAttentionWeights = ReturnAttentionWeights,
            AverageAttentionWeights = AverageAttentionWeights,
        };
    }

    private static List<GoldenCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", FileName);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<GoldenCase>();
        foreach (JsonElement c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            JsonElement args = c.GetProperty("args");
            JsonElement expected = c.GetProperty("expected");
            JsonElement weights = expected.GetProperty("weights");
            JsonElement scale = args.GetProperty("scale");
            cases.Add(new GoldenCase(
                c.GetProperty("name").GetString()!,
                c.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray(),
                args.GetProperty("numHeads").GetInt32(),
                args.GetProperty("batchFirst").GetBoolean(),
                scale.ValueKind == JsonValueKind.Null ? null : scale.GetDouble(),
                args.GetProperty("isCausal").GetBoolean(),
                args.GetProperty("addZeroAttn").GetBoolean(),
                args.GetProperty("returnAttentionWeights").GetBoolean(),
                args.GetProperty("averageAttentionWeights").GetBoolean(),
                c.GetProperty("inputs").EnumerateObject().ToDictionary(p => p.Name, p => GoldenArray.Read(p.Value)),
                GoldenArray.Read(expected.GetProperty("output")),
                weights.ValueKind == JsonValueKind.Null ? null : GoldenArray.Read(weights)));
        }

        return cases;
    }
}
