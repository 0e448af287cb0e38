namespace IvySharp.Benchmarks.Cases;

/// <summary>The benchmark cases of the "Fast CPU engine" issue, and their small twins for checking.</summary>
internal static class CaseCatalog
{
    /// <summary>Every case, in report order.</summary>
    public static IReadOnlyList<BenchCase> All { get; } =
    [
        Packed("tiny", n: 1, l: 16, e: 64, h: 4),
        Packed("bert-1x128", n: 1, l: 128, e: 768, h: 12),
        new("sentence", N: 3, L: 9, S: 9, E: 384, H: 12, ProjectionKind.SeparateCross,
            QueryWidth: 384, KeyWidth: 384, ValueWidth: 384, KeyPadding: true),
        Packed("bert-base", n: 8, l: 128, e: 768, h: 12),
        Packed("bert-512", n: 8, l: 512, e: 768, h: 12),
        Packed("bert-512-weights", n: 8, l: 512, e: 768, h: 12) with { ReturnWeights = true },
        Packed("causal-2k", n: 1, l: 2048, e: 1024, h: 16) with { Causal = true },
        new("cross-pad", N: 4, L: 128, S: 1024, E: 512, H: 8, ProjectionKind.SeparateCross,
            QueryWidth: 512, KeyWidth: 256, ValueWidth: 256, KeyPadding: true),
        new("decode-64k", N: 1, L: 1, S: 65536, E: 1024, H: 16, ProjectionKind.StaticKeyValue,
            QueryWidth: 1024, KeyWidth: 1024, ValueWidth: 1024),
        new("long-16k", N: 1, L: 16384, S: 16384, E: 256, H: 4, ProjectionKind.None,
            QueryWidth: 256, KeyWidth: 256, ValueWidth: 256),
    ];

    /// <summary>
    /// A small instance with the same features (projection kind, masks, weights, static K/V) for the
    /// cross-peer check: big enough to exercise tiling and several heads, small enough to run in milliseconds.
    /// </summary>
    public static BenchCase Small(BenchCase c) => c.Projection switch
    {
        ProjectionKind.PackedSelf => c with { N = Math.Min(c.N, 2), L = Math.Min(c.L, 40), S = Math.Min(c.S, 40), E = 64, H = 4, QueryWidth = 64, KeyWidth = 64, ValueWidth = 64 },
        ProjectionKind.SeparateCross => c with { N = 3, L = 12, S = 40, E = 64, H = 4, QueryWidth = 64, KeyWidth = 32, ValueWidth = 32 },
        ProjectionKind.StaticKeyValue => c with { N = 2, L = 1, S = 300, E = 64, H = 4, QueryWidth = 64, KeyWidth = 64, ValueWidth = 64 },
        _ => c with { N = 1, L = 130, S = 130, E = 32, H = 4, QueryWidth = 32, KeyWidth = 32, ValueWidth = 32 },
    };

    /// <summary>
    /// The --quick (smoke) shape: the cases whose plain-path IvySharp call would take many seconds are
    /// shrunk (fewer samples or shorter sequences, same widths, heads and features); the others are kept.
    /// </summary>
    public static BenchCase Quick(BenchCase c) => c.Name switch
    {
        "bert-base" => c with { N = 2 },
        "bert-512" or "bert-512-weights" => c with { N = 1 },
        "causal-2k" => c with { L = 512, S = 512 },
        "cross-pad" => c with { N = 2 },
        "long-16k" => c with { L = 2048, S = 2048 },
        _ => c,
    };

    /// <summary>The chart's self-attention shape at sequence length <paramref name="length"/> (E = 768, H = 12, N = 1).</summary>
    public static BenchCase ChartPoint(int length) => Packed($"chart-{length}", n: 1, l: length, e: 768, h: 12);

    private static BenchCase Packed(string name, int n, int l, int e, int h) =>
        new(name, n, l, l, e, h, ProjectionKind.PackedSelf, e, e, e);
}
