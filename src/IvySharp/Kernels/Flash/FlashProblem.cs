using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// Where one of q, k, v or the attended output lives: element (n, h, row, c) is at
/// <c>n·SampleStride + h·HeadStride + row·RowStride + c</c>. Head-major buffers, inputs read in place
/// (batch-first or sequence-first) and the output layouts are all of this form, so the core never copies
/// to change layout. Holds a CLR array or an operand/storage and hands out a fresh reference per work item
/// (spans can't cross into thread-pool delegates; the GC may move the memory between items).
/// </summary>
internal sealed class StridedBuffer<T>
    where T : unmanaged
{
    private readonly T[]? _array;
    private readonly Operand<T>? _operand;
    private readonly ArrayStorage<T>? _storage;

    public StridedBuffer(T[] array, long sampleStride, long headStride, long rowStride, long offset = 0)
        : this(sampleStride, headStride, rowStride, offset) => _array = array;

    public StridedBuffer(Operand<T> operand, long sampleStride, long headStride, long rowStride)
        : this(sampleStride, headStride, rowStride, 0) => _operand = operand;

    public StridedBuffer(ArrayStorage<T> storage, long sampleStride, long headStride, long rowStride)
        : this(sampleStride, headStride, rowStride, 0) => _storage = storage;

    private StridedBuffer(long sampleStride, long headStride, long rowStride, long offset)
    {
        SampleStride = (nint)sampleStride;
        HeadStride = (nint)headStride;
        RowStride = (nint)rowStride;
        Offset = (nint)offset;
    }

    /// <summary>Position of element (0, 0, 0, 0).</summary>
    public nint Offset { get; }

    public nint SampleStride { get; }

    public nint HeadStride { get; }

    public nint RowStride { get; }

    /// <summary>Elements in the memory behind the buffer (the bound the Debug build checks every access against).</summary>
    public long Length => _array is not null ? _array.Length : _operand is not null ? _operand.Span.Length : _storage!.ContiguousSpan.Length;

    /// <summary>The element (n, h, 0, 0).</summary>
    public ref T At(int n, int h)
    {
        ref T start = ref _array is not null ? ref MemoryMarshal.GetArrayDataReference(_array)
            : ref _operand is not null ? ref MemoryMarshal.GetReference(_operand.Span)
            : ref MemoryMarshal.GetReference(_storage!.ContiguousSpan);
        return ref Unsafe.Add(ref start, Offset + (n * SampleStride) + (h * HeadStride));
    }

    /// <summary>
    /// Debug builds: asserts that rows [<paramref name="firstRow"/>, + <paramref name="rows"/>) × <paramref name="width"/>
    /// elements of (n, h) lie inside the memory, before a kernel reaches them through unchecked references.
    /// </summary>
    [Conditional("DEBUG")]
    public void AssertCovers(int n, int h, int firstRow, int rows, int width, string what)
    {
        if (rows <= 0 || width <= 0) return;
        long first = Offset + ((long)n * SampleStride) + ((long)h * HeadStride) + ((long)firstRow * RowStride);
        long last = first + ((long)(rows - 1) * RowStride) + width - 1;
        Debug.Assert(first >= 0 && last < Length, $"{what}: elements [{first}, {last}] of (n {n}, h {h}, rows {firstRow}+{rows}, width {width}) outside [0, {Length})");
    }
}

/// <summary>Everything the attention core needs for one call, in the compute type.</summary>
internal sealed class FlashProblem<T>
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
    public required T Scale
    {
        get => _scale;
        init
        {
            _scale = value;
            _scalesScores = T.Abs(value) > T.One;
            _queryScale = _scalesScores ? T.One : value;
        }
    }

    private readonly T _scale, _queryScale;
    private readonly bool _scalesScores;

    /// <summary>
    /// Where the scale is applied. With |scale| ≤ 1 it rides on q when the block is packed ((scale·q)·k: one
    /// multiply per query element, and no product grows, so nothing overflows that scale·(q·k) would not).
    /// With |scale| &gt; 1, (scale·q)·k could overflow where the contract's scale·(q·k) is finite, so the scores
    /// are multiplied instead, as the contract writes it.
    /// </summary>
    /// <remarks>Set with <see cref="Scale"/>, not computed per use: as a getter read per block it cost short calls ~15 % (dynamic PGO).</remarks>
    public bool ScalesScores => _scalesScores;

    /// <summary>The factor q is packed with: the scale, or 1 when <see cref="ScalesScores"/>.</summary>
    public T QueryScale => _queryScale;
    public required bool IsCausal { get; init; }

    public required StridedBuffer<T> Query { get; init; }
    public required StridedBuffer<T> Key { get; init; }
    public required StridedBuffer<T> Value { get; init; }

    /// <summary>Receives the attended rows, (n, i, h·d + c) through its strides (head stride = d).</summary>
    public required StridedBuffer<T> Attended { get; init; }

    public Planning.MaskPlan? AttentionMask { get; init; }
    public Planning.MaskPlan? KeyPaddingMask { get; init; }

    /// <summary>Dropout probability (0: none).</summary>
    public double Dropout { get; init; }

    public ulong Seed { get; init; }

    /// <summary>The returned weights, zero-initialised: (N, L, S′) when <see cref="AverageWeights"/>, else (N, H, L, S′).</summary>
    public T[]? Weights { get; init; }

    public bool AverageWeights { get; init; }

    // Allocated by the first work item that marks a row, read after the parallel loops have joined (which
    // orders every write before the read). Writers only ever store true, so races between them are harmless.
    private bool[]? _inexactScores, _inexactValues;

    /// <summary>
    /// One flag per query row (n, h, i), at (n·H + h)·L + i, for rows whose scores left the range where the
    /// tiled arithmetic is exact (a NaN or +∞ score, a non-finite scale·q, a possible overflow): their weights
    /// and attended values are recomputed by <see cref="FlashRepair{T}"/>. Null when no row was marked.
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
    public ulong DropoutIndex(int n, int h, int i) => (ulong)((((long)n * H) + h) * L + i) * (ulong)SPrime;
}
