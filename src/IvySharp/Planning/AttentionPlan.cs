namespace IvySharp.Planning;

/// <summary>How the query/key/value inputs become q/k/v (contract §2).</summary>
internal enum ProjectionRoute
{
    /// <summary>No input projection: q, k, v are the inputs themselves.</summary>
    None,

    /// <summary>One packed <c>(3E, Q)</c> matrix.</summary>
    Packed,

    /// <summary>Three matrices <c>(E, Q)</c>, <c>(E, K)</c>, <c>(E, V)</c>.</summary>
    Separate,
}

/// <summary>A validated mask: its array, whether it is boolean, and whether it has a per-(batch·head) leading axis.</summary>
internal sealed record MaskPlan(IvyArray Array, bool IsBool, bool PerBatchHead);

/// <summary>
/// Everything the kernels need for one call, validated once by <see cref="AttentionValidator"/>.
/// Kernels trust it: every shape in here is consistent with every array.
/// </summary>
internal sealed class AttentionPlan
{
    public required DType DType { get; init; }

    /// <summary>False for 2-D (unbatched) input, which is computed as N = 1.</summary>
    public required bool Batched { get; init; }

    /// <summary>Batch axis first in query/key/value/output (only meaningful when <see cref="Batched"/>).</summary>
    public required bool BatchFirst { get; init; }

    public required int N { get; init; }
    public required int L { get; init; }

    /// <summary>Rows of the key/value inputs (before static replacement and extra columns).</summary>
    public required int SInput { get; init; }

    /// <summary>Key length the masks and causal rule refer to: <c>S_static</c> when <c>staticK</c> is given, else <see cref="SInput"/>.</summary>
    public required int S { get; init; }

    /// <summary>Key columns after the bias and zero tokens: S′ = S + [bias] + [zero].</summary>
    public required int SPrime { get; init; }

    public required int QFeatures { get; init; }
    public required int KFeatures { get; init; }
    public required int VFeatures { get; init; }
    public required int E { get; init; }
    public required int H { get; init; }
    public int D => H == 0 ? 0 : E / H;
    public required int O { get; init; }

    public required IvyArray Query { get; init; }
    public required IvyArray Key { get; init; }
    public required IvyArray Value { get; init; }

    public required ProjectionRoute Route { get; init; }
    public IvyArray? InProjWeights { get; init; }
    public IvyArray? QProjWeights { get; init; }
    public IvyArray? KProjWeights { get; init; }
    public IvyArray? VProjWeights { get; init; }
    public IvyArray? InProjBias { get; init; }
    public IvyArray? OutProjWeights { get; init; }
    public IvyArray? OutProjBias { get; init; }

    public IvyArray? BiasK { get; init; }
    public IvyArray? BiasV { get; init; }
    public IvyArray? StaticK { get; init; }
    public IvyArray? StaticV { get; init; }
    public required bool AddZeroAttn { get; init; }

    public required double Scale { get; init; }
    public required bool IsCausal { get; init; }

    /// <summary>The attention mask, or null when absent or ignored because of <see cref="IsCausal"/>.</summary>
    public MaskPlan? AttentionMask { get; init; }

    public MaskPlan? KeyPaddingMask { get; init; }

    /// <summary>Dropout probability actually applied: 0 unless training.</summary>
    public required double Dropout { get; init; }

    public required ulong Seed { get; init; }

    public required bool ReturnWeights { get; init; }
    public required bool AverageWeights { get; init; }

    public IvyArray? Out { get; init; }

    /// <summary>The output's shape, made when asked for (a call that writes into <c>@out</c> never needs the array).</summary>
    public int[] OutputShape => !Batched ? [L, O] : BatchFirst ? [N, L, O] : [L, N, O];

    /// <summary>Shape of the returned weights; null unless <see cref="ReturnWeights"/>.</summary>
    public int[]? WeightsShape { get; init; }

    /// <summary>Row index of token <paramref name="l"/> of sample <paramref name="n"/> in a query/output laid out as this call's layout.</summary>
    public int QueryRow(int n, int l) => !Batched || BatchFirst ? (n * L) + l : (l * N) + n;

    /// <summary>Row index of key/value token <paramref name="s"/> of sample <paramref name="n"/>.</summary>
    public int KeyRow(int n, int s) => !Batched || BatchFirst ? (n * SInput) + s : (s * N) + n;
}
