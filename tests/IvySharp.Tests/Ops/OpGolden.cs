using System.Text.Json;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Ops;

/// <summary>A floating array read from the golden file.</summary>
public sealed record GoldenValues(int[] Shape, double[] Data)
{
    public IvyArray ToIvy(DType dtype) => A.F(dtype, Data, Shape);

    internal static GoldenValues Read(JsonElement e) => new(
        [.. e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32())],
        [.. e.GetProperty("data").EnumerateArray().Select(x => x.GetDouble())]);
}

/// <summary>
/// One case of <c>Golden/pytorch-layers.json</c> (tools/golden/generate_layers.py): the C# call and PyTorch's answers
/// in float64 (<see cref="Expected"/>) and from its own float32 kernels (<see cref="ExpectedFloat32"/>).
/// </summary>
public sealed record OpGoldenCase(
    string Op, string Name, IReadOnlyDictionary<string, GoldenValues> Inputs, GoldenValues Expected, GoldenValues ExpectedFloat32,
    int[]? NormalizedIdxs, double Eps, double NewStd, bool Approximate)
{
    public const string FileName = "pytorch-layers.json";

    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", FileName))));

    private static readonly Lazy<IReadOnlyList<OpGoldenCase>> Loaded = new(Load);

    public static IReadOnlyList<OpGoldenCase> All => Loaded.Value;

    /// <summary>The mpmath table: x, exact GELU(x) and tanh-approximated GELU(x), each rounded to float64.</summary>
    public static (double[] X, double[] Exact, double[] Tanh) GeluHighPrecision()
    {
        JsonElement t = Document.Value.RootElement.GetProperty("geluHighPrecision");
        double[] Read(string name) => [.. t.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];
        return (Read("x"), Read("exact"), Read("tanh"));
    }

    /// <summary>The library call with every input in <paramref name="dtype"/>.</summary>
    public IvyArray Invoke(DType dtype)
    {
        IvyArray? Get(string name) => Inputs.TryGetValue(name, out GoldenValues? v) ? v.ToIvy(dtype) : null;
        return Op switch
        {
            "linear" => Ivy.Linear(Get("x")!, Get("weight")!, Get("bias")),
            "layer-norm" => Ivy.LayerNorm(Get("x")!, NormalizedIdxs!, Get("scale"), Get("offset"), Eps, NewStd),
            _ => Ivy.Gelu(Get("x")!, Approximate),
        };
    }

    private static List<OpGoldenCase> Load()
    {
        JsonElement root = Document.Value.RootElement;
        var cases = new List<OpGoldenCase>();
        foreach ((string section, string op) in new[] { ("linear", "linear"), ("layerNorm", "layer-norm"), ("gelu", "gelu") })
        {
            foreach (JsonElement c in root.GetProperty(section).EnumerateArray())
            {
                cases.Add(new OpGoldenCase(
                    op,
                    c.GetProperty("name").GetString()!,
                    c.GetProperty("inputs").EnumerateObject().ToDictionary(p => p.Name, p => GoldenValues.Read(p.Value)),
                    GoldenValues.Read(c.GetProperty("expected")),
                    GoldenValues.Read(c.GetProperty("expectedFloat32")),
                    c.TryGetProperty("normalizedIdxs", out JsonElement idxs) ? [.. idxs.EnumerateArray().Select(i => i.GetInt32())] : null,
                    c.TryGetProperty("eps", out JsonElement eps) ? eps.GetDouble() : 0,
                    c.TryGetProperty("newStd", out JsonElement std) ? std.GetDouble() : 1,
                    c.TryGetProperty("approximate", out JsonElement approx) && approx.GetBoolean()));
            }
        }

        return cases;
    }
}
