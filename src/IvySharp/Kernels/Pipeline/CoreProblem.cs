using System.Numerics;
using IvySharp.Kernels.Rules;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Everything an attention core (the plain rows or the tiled engine) needs for one call, in the compute
/// type: q, k and v where the input pipeline left them, where the attended rows go, the masks in their final
/// form, and the rules' parameters. Built by <see cref="CpuAttention{T}"/>; the cores differ only in how they
/// compute from it.
/// </summary>
internal sealed class CoreProblem<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public required int N { get; init; }
    public required int H { get; init; }
    public required int L { get; init; }

    /// <summary>Keys the masks and the causal rule refer to.</summary>
    public required int S { get; init; }

    /// <summary>All key columns: S, then the bias token and zero token (never masked).</summary>
    public required int SPrime { get; init; }

    public required int D { get; init; }
    /// <summary>The scale and where it is applied (<see cref="ScalePlacement{T}"/>).</summary>
    public required ScalePlacement<T> Placement
    {
        get => _placement;
        init
        {
            // Stored field by field, not read through the struct per use: as a getter read per block the
            // placement cost short calls ~15 % (dynamic PGO).
            _placement = value;
            _scale = value.Scale;
            _queryScale = value.QueryScale;
            _scalesScores = value.ScalesScores;
        }
    }

    private readonly ScalePlacement<T> _placement;
    private readonly T _scale, _queryScale;
    private readonly bool _scalesScores;

    /// <summary>The call's scale.</summary>
    public T Scale => _scale;

    /// <summary>True when the scores are multiplied by the scale rather than q (|scale| &gt; 1).</summary>
    public bool ScalesScores => _scalesScores;

    /// <summary>The factor q is packed with: the scale, or 1 when <see cref="ScalesScores"/>.</summary>
    public T QueryScale => _queryScale;

    public required bool IsCausal { get; init; }

    public required StridedBuffer<T> Query { get; init; }
    public required StridedBuffer<T> Key { get; init; }
    public required StridedBuffer<T> Value { get; init; }

    /// <summary>Receives the attended rows, (n, i, h·d + c) through its strides (head stride = d).</summary>
    public required StridedBuffer<T> Attended { get; init; }

    /// <summary>The attention mask in its final form, or null (absent, or ignored because the call is causal).</summary>
    public MaskValues<T>? AttentionMask { get; init; }

    public MaskValues<T>? KeyPaddingMask { get; init; }

    /// <summary>Which weights are dropped, and the factor the kept ones get.</summary>
    public required DropoutRule<T> Dropout { get; init; }

    /// <summary>The returned weights, zero-initialised: (N, L, S′) when <see cref="AverageWeights"/>, else (N, H, L, S′).</summary>
    public T[]? Weights { get; init; }

    public bool AverageWeights { get; init; }

    // Allocated by the first work item that marks a row, read after the parallel loops have joined (which
    // orders every write before the read). Writers only ever store true, so races between them are harmless.
    private bool[]? _inexactScores, _inexactValues;

    /// <summary>
    /// One flag per query row (n, h, i), at (n·H + h)·L + i, for rows whose scores left the range where the
    /// tiled arithmetic is exact (a NaN or +∞ score, a non-finite scale·q, a possible overflow): their weights
    /// and attended values are recomputed by <see cref="Flash.FlashRepair{T}"/>. Null when no row was marked.
    /// </summary>
    public bool[]? InexactScores => Volatile.Read(ref _inexactScores);

    /// <summary>Rows whose weights are exact but whose attended values came out NaN or ±∞: only those values are recomputed.</summary>
    public bool[]? InexactValues => Volatile.Read(ref _inexactValues);

    /// <summary>Marks the scores of query rows [<paramref name="first"/>, + <paramref name="count"/>) of head (n, h) for repair.</summary>
    public void MarkInexactScores(int n, int h, int first, int count = 1) => Mark(ref _inexactScores, n, h, first, count);

    /// <summary>Marks the attended values of query row <paramref name="i"/> of head (n, h) for repair.</summary>
    public void MarkInexactValues(int n, int h, int i) => Mark(ref _inexactValues, n, h, i, 1);

    private void Mark(ref bool[]? flags, int n, int h, int first, int count)
    {
        bool[] rows = Volatile.Read(ref flags) ?? Create(ref flags);
        for (int i = first; i < first + count; i++) rows[(((n * H) + h) * L) + i] = true;
    }

    private bool[] Create(ref bool[]? flags)
    {
        Interlocked.CompareExchange(ref flags, new bool[N * H * L], null);
        return flags!;
    }

    /// <summary>Flat index of weight (n, h, i, 0) in the (N, H, L, S′) order the dropout hash is defined on.</summary>
    public ulong DropoutIndex(int n, int h, int i) => DropoutRule<T>.RowIndex(n, h, i, H, L, SPrime);
}
