using System.Numerics;
using IvySharp.Kernels.Rules;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Everything an attention core (the plain rows or the tiled engine) needs for one call, in the compute
/// type: q, k and v where the input pipeline left them, where the attended rows go, the masks in their final
/// form, and the rules' parameters. Built by <see cref="CpuAttention{T}"/>; the cores differ only in how they
/// compute from it. One object per call, reused: <see cref="Rent"/> takes the spare one (or makes one) and
/// <see cref="Return"/> clears it and makes it the spare, so a call does not allocate its ~270 bytes.
/// </summary>
internal sealed class CoreProblem<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>One idle problem, or null: taken with an exchange, so two calls never share one.</summary>
    private static CoreProblem<T>? s_spare;

    private CoreProblem()
    {
    }

    /// <summary>
    /// The core's problem for <paramref name="problem"/>, with q, k and v where the input pipeline left them and the
    /// attended rows' destination; give it back with <see cref="Return"/> once the core and the repair are done.
    /// </summary>
    public static CoreProblem<T> Rent(
        AttentionProblem<T> problem, StridedBuffer<T> query, StridedBuffer<T> key, StridedBuffer<T> value, StridedBuffer<T> attended)
    {
        CoreProblem<T> p = Interlocked.Exchange(ref s_spare, null) ?? new CoreProblem<T>();
        AttentionShape shape = problem.Shape;
        (p.N, p.H, p.L, p.S, p.SPrime, p.D) = (shape.N, shape.H, shape.L, shape.S, shape.SPrime, shape.D);
        ScalePlacement<T> placement = problem.Placement;
        (p._scale, p._queryScale, p._scalesScores) = (placement.Scale, placement.QueryScale, placement.ScalesScores);
        p._queryLost = false;
        (p.Query, p.Key, p.Value, p.Attended) = (query, key, value, attended);
        (p.AttentionMask, p.KeyPaddingMask, p.Dropout) = (problem.AttentionMask, problem.KeyPaddingMask, problem.Dropout);
        (p.IsCausal, p.Weights, p.AverageWeights) = (problem.IsCausal, problem.Weights, problem.AverageWeights);
        return p;
    }

    /// <summary>Clears the call's references (nothing of it stays reachable) and makes this the spare problem; the caller must not use it after.</summary>
    public void Return()
    {
        Query = Key = Value = Attended = default;
        AttentionMask = KeyPaddingMask = null;
        Weights = null;
        _inexactScores = _inexactValues = null;
        Volatile.Write(ref s_spare, this);
    }

    public int N { get; private set; }
    public int H { get; private set; }
    public int L { get; private set; }

    /// <summary>Keys the masks and the causal rule refer to.</summary>
    public int S { get; private set; }

    /// <summary>All key columns: S, then the bias token and zero token (never masked).</summary>
    public int SPrime { get; private set; }

    public int D { get; private set; }
    /// <summary>The scale and where it is applied (<see cref="ScalePlacement{T}"/>), after <see cref="PlaceScaleOnScores"/> too.</summary>
    public ScalePlacement<T> Placement => new(_scale, _scalesScores);

    // Stored field by field, not read through the struct per use: as a getter read per block the placement cost
    // short calls ~15 % (dynamic PGO).
    private T _scale, _queryScale;
    private bool _scalesScores;

    // Set by any thread that packed a query element whose scale·q underflowed (NoteQueryLost); read after the join.
    private volatile bool _queryLost;

    /// <summary>
    /// True when some core packed a nonzero query element whose product with the scale is ±0 (<see cref="ScalePlacement{T}.LosesQuery"/>)
    /// while the scale rode on q: the call must run again with <see cref="PlaceScaleOnScores"/>.
    /// </summary>
    public bool QueryLost => _queryLost;

    /// <summary>Records that scale·q underflowed for a nonzero q element (ignored for scale 0, where 0·q is meant, and once on the scores).</summary>
    public void NoteQueryLost()
    {
        if (!_scalesScores && _scale != T.Zero) _queryLost = true;
    }

    /// <summary>
    /// Moves the scale onto the scores for the rest of the call and forgets what the run before marked (inexact rows,
    /// a lost query): the cores then compute scale·(q·k) as the contract writes it.
    /// </summary>
    public void PlaceScaleOnScores()
    {
        (_queryScale, _scalesScores, _queryLost) = (T.One, true, false);
        _inexactScores = _inexactValues = null;
    }

    /// <summary>The call's scale.</summary>
    public T Scale => _scale;

    /// <summary>True when the scores are multiplied by the scale rather than q (|scale| &gt; 1, or after <see cref="PlaceScaleOnScores"/>).</summary>
    public bool ScalesScores => _scalesScores;

    /// <summary>The factor q is packed with: the scale, or 1 when <see cref="ScalesScores"/>.</summary>
    public T QueryScale => _queryScale;

    public bool IsCausal { get; private set; }

    public StridedBuffer<T> Query { get; private set; }
    public StridedBuffer<T> Key { get; private set; }
    public StridedBuffer<T> Value { get; private set; }

    /// <summary>Receives the attended rows, (n, i, h·d + c) through its strides (head stride = d).</summary>
    public StridedBuffer<T> Attended { get; private set; }

    /// <summary>The attention mask in its final form, or null (absent, or ignored because the call is causal).</summary>
    public MaskValues<T>? AttentionMask { get; private set; }

    public MaskValues<T>? KeyPaddingMask { get; private set; }

    /// <summary>Which weights are dropped, and the factor the kept ones get.</summary>
    public DropoutRule<T> Dropout { get; private set; }

    /// <summary>The returned weights, zero-initialised: (N, L, S′) when <see cref="AverageWeights"/>, else (N, H, L, S′).</summary>
    public T[]? Weights { get; private set; }

    public bool AverageWeights { get; private set; }

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
