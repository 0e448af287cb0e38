using IvySharp.Tests.Support;
using Xunit.Abstractions;

namespace IvySharp.Tests.Reference;

/// <summary>
/// Guards the generator: the seeds <see cref="RandomComparisonTests"/> runs really do cover every
/// argument and combination the brief asks for, each many times, and every call is valid.
/// </summary>
public sealed class RandomCallsCoverageTests(ITestOutputHelper output)
{
    /// <summary>Each feature must occur at least this often in the compared seeds.</summary>
    private const int MinOccurrences = 20;

    [Fact]
    public void Compared_seeds_cover_every_argument_and_combination()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Count(string feature, bool present)
        {
            counts.TryAdd(feature, 0);
            if (present) counts[feature]++;
        }

        for (int i = 0; i < RandomComparisonTests.Calls; i++)
        {
            MhaCall c = RandomCalls.Create(RandomComparisonTests.FirstSeed + i, DType.Float32);
            bool batched = c.Query.Rank == 3;
            int qf = c.Query.Shape[^1];
            int n = !batched ? 1 : c.BatchFirst ? c.Query.Shape[0] : c.Query.Shape[1];
            Count("unbatched", !batched);
            Count("batched batch-first", batched && c.BatchFirst);
            Count("batched sequence-first with N > 1", batched && !c.BatchFirst && n > 1);
            Count("self-attention", c.Key is null);
            Count("no projection", c.InProjWeights is null && c.QProjWeights is null);
            Count("packed projection", c.InProjWeights is not null);
            Count("separate projection", c.QProjWeights is not null);
            Count("separate with K or V width != Q", c.KProjWeights is not null && (c.KProjWeights.Shape[1] != qf || c.VProjWeights!.Shape[1] != qf));
            Count("in-projection bias", c.InProjBias is not null);
            Count("out projection with O != E", c.OutProjWeights is { } wo && wo.Shape[0] != wo.Shape[1]);
            Count("out-projection bias", c.OutProjBias is not null);
            Count("bool attention mask", c.AttentionMask?.DType == DType.Bool);
            Count("float attention mask", c.AttentionMask is { } m && m.DType != DType.Bool);
            Count("float attention mask of another float dtype", c.AttentionMask is { } m2 && m2.DType is not (DType.Bool or DType.Float32));
            Count("attention mask (L, S)", c.AttentionMask?.Rank == 2);
            Count("attention mask (N*H, L, S)", c.AttentionMask?.Rank == 3);
            Count("float mask holding -inf", c.AttentionMask is { DType: not DType.Bool } m3 && m3.ToArray<double>().Any(double.IsNegativeInfinity));
            Count("bool key padding", c.KeyPaddingMask?.DType == DType.Bool);
            Count("float key padding", c.KeyPaddingMask is { } p && p.DType != DType.Bool);
            Count("causal without mask", c.IsCausal && c.AttentionMask is null);
            Count("causal with an ignored mask", c.IsCausal && c.AttentionMask is not null);
            Count("bias tokens (E,)", c.BiasK?.Rank == 1);
            Count("bias tokens (1, 1, E)", c.BiasK?.Rank == 3);
            Count("zero token", c.AddZeroAttn);
            Count("static K only", c.StaticK is not null && c.StaticV is null);
            Count("static V only", c.StaticK is null && c.StaticV is not null);
            Count("static K and V", c.StaticK is not null && c.StaticV is not null);
            Count("scale null", c.Scale is null);
            Count("scale 0", c.Scale == 0);
            Count("custom scale", c.Scale is { } s && s != 0);
            Count("weights averaged", c.ReturnAttentionWeights && c.AverageAttentionWeights);
            Count("weights per head", c.ReturnAttentionWeights && !c.AverageAttentionWeights);
            Count("dropout active", c.Training && c.Dropout > 0);
            Count("dropout 1 while training", c.Training && c.Dropout == 1);
            Count("dropout given, not training", !c.Training && c.Dropout > 0);
            Count("out fresh, query's dtype", c.Out is { } o1 && !IsInput(c, o1) && o1.DType == DType.Float32);
            Count("out fresh, another dtype", c.Out is { } o2 && o2.DType != DType.Float32);
            Count("out aliases query", c.Out is not null && ReferenceEquals(c.Out, c.Query));
            Count("out aliases key or value", c.Out is not null && (ReferenceEquals(c.Out, c.Key) || ReferenceEquals(c.Out, c.Value)));
            Count("a fully masked row", HasFullyMaskedRow(c));
            Count("N = 3", n == 3);
            Count("L = 1", c.Query.Shape[batched && c.BatchFirst ? 1 : 0] == 1);

            // Every generated call must be valid: the library accepts it.
            var ex = Record.Exception(() => c.Invoke());
            Assert.True(ex is null, $"seed {RandomComparisonTests.FirstSeed + i} is not a valid call: {ex?.Message}");
        }

        foreach (var (feature, count) in counts) output.WriteLine($"coverage: {feature}: {count}");
        var rare = counts.Where(kv => kv.Value < MinOccurrences).Select(kv => $"{kv.Key} ({kv.Value})").ToArray();
        Assert.True(rare.Length == 0, $"features seen fewer than {MinOccurrences} times: {string.Join(", ", rare)}");
    }

    private static bool IsInput(MhaCall c, IvyArray a) =>
        ReferenceEquals(a, c.Query) || ReferenceEquals(a, c.Key) || ReferenceEquals(a, c.Value);

    // A row whose weights are all 0 before dropout is a fully masked one: softmax gives the row maximum weight 1/Σ > 0.
    private static bool HasFullyMaskedRow(MhaCall c)
    {
        var perHead = ReferenceAttention.Compute(c with { ReturnAttentionWeights = true, AverageAttentionWeights = false, Training = false, Out = null });
        double[] weights = perHead.Weights!;
        int sPrime = perHead.WeightsShape![^1];
        for (int row = 0; row < weights.Length / sPrime; row++)
        {
            bool allZero = true;
            for (int j = 0; j < sPrime && allZero; j++) allZero = weights[(row * sPrime) + j] == 0;
            if (allZero) return true;
        }

        return false;
    }
}
