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

    /// <summary>The element (n, h, 0, 0).</summary>
    public ref T At(int n, int h)
    {
        ref T start = ref _array is not null ? ref MemoryMarshal.GetArrayDataReference(_array)
            : ref _operand is not null ? ref MemoryMarshal.GetReference(_operand.Span)
            : ref MemoryMarshal.GetReference(_storage!.ContiguousSpan);
        return ref Unsafe.Add(ref start, Offset + (n * SampleStride) + (h * HeadStride));
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
    public required T Scale { get; init; }
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

    // Written by any work item, read once after the parallel loops have joined (which orders the writes
    // before the read). Every writer stores the same 1, so the race between writers is harmless.
    private int _leftExactRange;

    /// <summary>
    /// True once some work item met a value outside the range where the tiled arithmetic is exact: a
    /// non-finite pre-scaled query, a NaN row sum (a NaN or +∞ score), or a non-finite attended value
    /// (see <see cref="FlashGuards{T}"/>). The engine then recomputes the call on the plain path.
    /// </summary>
    public bool LeftExactRange => Volatile.Read(ref _leftExactRange) != 0;

    public void MarkLeftExactRange() => Volatile.Write(ref _leftExactRange, 1);

    /// <summary>Flat index of weight (n, h, i, 0) in the (N, H, L, S′) order the dropout hash is defined on.</summary>
    public ulong DropoutIndex(int n, int h, int i) => (ulong)((((long)n * H) + h) * L + i) * (ulong)SPrime;
}
