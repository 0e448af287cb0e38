using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// Where one of q, k, v or the attended output lives: element (n, h, row, c) is at
/// <c>n·SampleStride + h·HeadStride + row·RowStride + c</c>. Head-major buffers, inputs read in place
/// (batch-first or sequence-first) and the output layouts are all of this form, so the core never copies
/// to change layout. Holds a CLR array or an operand/storage and hands out a fresh reference per work item
/// (spans can't cross into thread-pool delegates; the GC may move the memory between items). A struct: a call
/// makes several, and a small call should not allocate for them.
/// </summary>
internal readonly struct StridedBuffer<T>
    where T : unmanaged
{
    // One reference, a T[], an Operand<T> or an ArrayStorage<T>, told apart by type: the core's problem holds four
    // of these per call, and three nullable references each were 64 of its bytes.
    private readonly object _source;

    public StridedBuffer(T[] array, long sampleStride, long headStride, long rowStride, long offset = 0)
        : this((object)array, sampleStride, headStride, rowStride, offset)
    {
    }

    public StridedBuffer(Operand<T> operand, long sampleStride, long headStride, long rowStride)
        : this((object)operand, sampleStride, headStride, rowStride, 0)
    {
    }

    public StridedBuffer(ArrayStorage<T> storage, long sampleStride, long headStride, long rowStride)
        : this((object)storage, sampleStride, headStride, rowStride, 0)
    {
    }

    private StridedBuffer(object source, long sampleStride, long headStride, long rowStride, long offset)
    {
        _source = source;
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
    public long Length => _source is T[] array ? array.Length : _source is Operand<T> operand ? operand.Span.Length : ((ArrayStorage<T>)_source).ContiguousSpan.Length;

    /// <summary>The element (n, h, 0, 0).</summary>
    public ref T At(int n, int h)
    {
        ref T start = ref _source is T[] array ? ref MemoryMarshal.GetArrayDataReference(array)
            : ref _source is Operand<T> operand ? ref MemoryMarshal.GetReference(operand.Span)
            : ref MemoryMarshal.GetReference(((ArrayStorage<T>)_source).ContiguousSpan);
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
