namespace IvySharp.Gpu.Runner;

/// <summary>How a case's inputs are projected (as the CPU benchmark's cases).</summary>
internal enum Projection
{
    PackedSelf,
    SeparateCross,
    StaticKeyValue,
    None,
}

/// <summary>One benchmark call: the CPU benchmark's shapes (bench/IvySharp.Benchmarks/Cases/CaseCatalog.cs) plus the two large ones.</summary>
internal sealed record BenchCase(string Name, int N, int L, int S, int E, int H, Projection Projection, int KeyWidth, bool Causal = false, bool KeyPadding = false, bool Weights = false)
{
    /// <summary>Floating-point operations, counted as the CPU report counts them (projections 2·rows·in·out, core 4·N·L·S·E, halved when causal).</summary>
    public double Flops
    {
        get
        {
            double core = 4.0 * N * L * S * E * (Causal ? 0.5 : 1);
            double projections = Projection switch
            {
                Projection.PackedSelf => 2.0 * N * L * E * E * 4,
                Projection.SeparateCross => (2.0 * N * L * E * E * 2) + (2.0 * N * S * KeyWidth * E * 2),
                Projection.StaticKeyValue => 2.0 * N * L * E * E * 2,
                _ => 0,
            };
            return core + projections;
        }
    }

    public static IReadOnlyList<BenchCase> All(bool quick) => quick
        ?
        [
            new("tiny", 1, 16, 16, 64, 4, Projection.PackedSelf, 64),
            new("small-causal-weights", 1, 40, 40, 64, 4, Projection.PackedSelf, 64, Causal: true, Weights: true),
            new("small-cross-pad", 2, 16, 48, 64, 4, Projection.SeparateCross, 32, KeyPadding: true),
        ]
        :
        [
            new("tiny", 1, 16, 16, 64, 4, Projection.PackedSelf, 64),
            new("bert-base", 8, 128, 128, 768, 12, Projection.PackedSelf, 768),
            new("bert-512", 8, 512, 512, 768, 12, Projection.PackedSelf, 768),
            new("bert-512-weights", 8, 512, 512, 768, 12, Projection.PackedSelf, 768, Weights: true),
            new("causal-2k", 1, 2048, 2048, 1024, 16, Projection.PackedSelf, 1024, Causal: true),
            new("cross-pad", 4, 128, 1024, 512, 8, Projection.SeparateCross, 256, KeyPadding: true),
            new("decode-64k", 1, 1, 65536, 1024, 16, Projection.StaticKeyValue, 1024),
            new("long-16k", 1, 16384, 16384, 256, 4, Projection.None, 256),
            new("n16-4k", 16, 4096, 4096, 1024, 16, Projection.PackedSelf, 1024),
            new("causal-8k", 4, 8192, 8192, 2048, 16, Projection.PackedSelf, 2048, Causal: true),

            // The attention core alone (no projections) of two cases above: where their time goes.
            new("bert-512-core", 8, 512, 512, 768, 12, Projection.None, 768),
            new("n16-4k-core", 16, 4096, 4096, 1024, 16, Projection.None, 1024),
        ];

    /// <summary>The call's arrays in <paramref name="dtype"/>, deterministic, already on <paramref name="device"/>.</summary>
    public Func<MultiHeadAttentionResult> Prepare(DType dtype, string device)
    {
        var random = new Random(Name.Length);
        IvyArray F(params int[] shape)
        {
            var values = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2) - 1) * 0.5f;
            IvyArray host = dtype switch
            {
                DType.Float16 => IvyArray.From(values.Select(v => (Half)v).ToArray(), shape),
                DType.Float64 => IvyArray.From(values.Select(v => (double)v).ToArray(), shape),
                _ => IvyArray.From(values, shape),
            };
            return host.ToDevice(device);
        }

        int d = E / H;
        IvyArray query = F(N, L, E), outW = F(E, E);
        IvyArray? padding = KeyPadding ? IvyArray.From(Enumerable.Range(0, N * S).Select(i => i % S >= S - (S / 8)).ToArray(), N, S).ToDevice(device) : null;
        return Projection switch
        {
            Projection.PackedSelf => Call(query, null, null, inProj: F(3 * E, E)),
            Projection.SeparateCross => Call(query, F(N, S, KeyWidth), F(N, S, KeyWidth), q: F(E, E), k: F(E, KeyWidth), v: F(E, KeyWidth)),
            Projection.StaticKeyValue => CallStatic(query, F(N * H, S, d), F(N * H, S, d)),
            _ => () => Ivy.MultiHeadAttention(query, F(N, S, E), F(N, S, E), numHeads: H, isCausal: Causal),
        };

        Func<MultiHeadAttentionResult> Call(IvyArray x, IvyArray? key, IvyArray? value, IvyArray? inProj = null, IvyArray? q = null, IvyArray? k = null, IvyArray? v = null)
        {
            IvyArray bias = F(3 * E);
            return () => Ivy.MultiHeadAttention(x, key, value, numHeads: H, inProjWeights: inProj, qProjWeights: q, kProjWeights: k, vProjWeights: v,
                outProjWeights: outW, inProjBias: bias, isCausal: Causal, keyPaddingMask: padding, returnAttentionWeights: Weights);
        }

        Func<MultiHeadAttentionResult> CallStatic(IvyArray x, IvyArray staticK, IvyArray staticV)
        {
            IvyArray q = F(E, E), k = F(E, E), v = F(E, E);
            return () => Ivy.MultiHeadAttention(x, x, x, numHeads: H, qProjWeights: q, kProjWeights: k, vProjWeights: v, outProjWeights: outW, staticK: staticK, staticV: staticV);
        }
    }
}
