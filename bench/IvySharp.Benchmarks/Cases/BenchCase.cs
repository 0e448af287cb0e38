namespace IvySharp.Benchmarks.Cases;

/// <summary>How a case's query, key and value reach the attention core.</summary>
internal enum ProjectionKind
{
    /// <summary>Self-attention, one packed (3E, E) in-projection, then an (E, E) out-projection.</summary>
    PackedSelf,

    /// <summary>Cross-attention: separate Q (E, Q), K (E, K), V (E, V) weights, then an out-projection.</summary>
    SeparateCross,

    /// <summary>Decoding against cached keys/values: only the query is projected; static K/V are given per head.</summary>
    StaticKeyValue,

    /// <summary>No projection at all: the input is used as query, key and value; no out-projection.</summary>
    None,
}

/// <summary>One benchmark shape. All data is float32, batch-first (N, L, ·) unless a peer needs otherwise.</summary>
internal sealed record BenchCase(
    string Name,
    int N,
    int L,
    int S,
    int E,
    int H,
    ProjectionKind Projection,
    int QueryWidth,
    int KeyWidth,
    int ValueWidth,
    bool Causal = false,
    bool KeyPadding = false,
    bool ReturnWeights = false)
{
    /// <summary>The head width.</summary>
    public int D => E / H;

    /// <summary>True when key and value are the query itself.</summary>
    public bool IsSelf => Projection is ProjectionKind.PackedSelf or ProjectionKind.None;

    /// <summary>The output width: E (every out-projection here is square).</summary>
    public int O => E;

    /// <summary>Shape text for the report.</summary>
    public string ShapeText => Projection == ProjectionKind.SeparateCross
        ? $"N={N} L={L} S={S} E={E} H={H} (Q={QueryWidth}, K=V={KeyWidth})"
        : $"N={N} L={L} S={S} E={E} H={H}";

    /// <summary>The valid (unpadded) key count of sample <paramref name="n"/>: the last n·S/8 keys are padding.</summary>
    public int ValidKeys(int n) => KeyPadding ? S - (n * S / 8 % S) : S;

    /// <summary>Floating-point operations per call, by part (FLOP-count rules of attention-anchors §2.4).</summary>
    public FlopCount Flops
    {
        get
        {
            double n = N, l = L, s = S, e = E;
            bool projects = Projection != ProjectionKind.None;
            double q = projects ? 2 * n * l * QueryWidth * e : 0;
            double k = Projection is ProjectionKind.PackedSelf or ProjectionKind.SeparateCross ? 2 * n * s * KeyWidth * e : 0;
            double v = Projection is ProjectionKind.PackedSelf or ProjectionKind.SeparateCross ? 2 * n * s * ValueWidth * e : 0;

            // Q·Kᵀ and P·V over every key column (padded ones included: every peer computes them);
            // causal counts half, the FlashAttention convention.
            double core = 4 * n * l * s * e * (Causal ? 0.5 : 1);
            double output = projects ? 2 * n * l * e * O : 0;
            return new FlopCount(q + k + v, core, output, FormulaText());
        }
    }

    private string FormulaText() => (Projection, Causal) switch
    {
        (ProjectionKind.PackedSelf, false) => "8·N·L·E² + 4·N·L·S·E",
        (ProjectionKind.PackedSelf, true) => "8·N·L·E² + 2·N·L·S·E (causal core halved)",
        (ProjectionKind.SeparateCross, _) => "2·N·L·Q·E + 2·N·S·(K+V)·E + 4·N·L·S·E + 2·N·L·E²",
        (ProjectionKind.StaticKeyValue, _) => "2·N·L·E² (Q) + 4·N·L·S·E + 2·N·L·E² (out); no K/V projection",
        _ => "4·N·L·S·E (core only)",
    };

    /// <summary>Bytes of static keys and values one call must read (0 unless <see cref="ProjectionKind.StaticKeyValue"/>).</summary>
    public long StaticKeyValueBytes => Projection == ProjectionKind.StaticKeyValue ? 2L * N * H * S * D * sizeof(float) : 0;
}

/// <summary>FLOP per call split into projections and the attention core.</summary>
internal sealed record FlopCount(double InProjection, double Core, double OutProjection, string Formula)
{
    /// <summary>All parts together.</summary>
    public double Total => InProjection + Core + OutProjection;
}
