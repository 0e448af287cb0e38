using System.Numerics.Tensors;

namespace IvySharp;

/// <summary>
/// Where an <see cref="IvyArray"/>'s elements live: a slice of a CLR array, or a
/// <see cref="Tensor{T}"/> (dense or strided). Kept apart from <see cref="IvyArray"/> so the
/// array type itself stays non-generic, as Ivy's <c>ivy.Array</c> is.
/// </summary>
internal abstract class ArrayStorage
{
    /// <summary>Number of logical elements (the product of the shape).</summary>
    public abstract int Length { get; }

    /// <summary>True when the elements can be handed out as one row-major span without copying.</summary>
    public abstract bool IsContiguous { get; }

    /// <summary>
    /// An axis along which two logical elements share memory (a broadcast view's zero stride), or null
    /// when every element has its own place. Such a view can be read but not written: two results would
    /// land in one place.
    /// </summary>
    public virtual int? OverlappingAxis() => null;
}

internal sealed class ArrayStorage<T> : ArrayStorage
{
    private readonly T[]? _array;
    private readonly int _offset;
    private readonly int _length;
    private readonly Tensor<T>? _tensor;

    public ArrayStorage(T[] array, int offset, int length)
    {
        _array = array;
        _offset = offset;
        _length = length;
    }

    public ArrayStorage(Tensor<T> tensor)
    {
        _tensor = tensor;
        _length = checked((int)tensor.FlattenedLength);
    }

    public override int Length => _length;

    public override bool IsContiguous => _tensor is null || _tensor.IsDense;

    public Tensor<T>? Tensor => _tensor;

    public override int? OverlappingAxis()
    {
        if (_tensor is null || _tensor.IsDense) return null;

        // Visit the axes that have more than one element from the smallest stride up: each must step past
        // everything the smaller axes reach, else two indices meet at one offset.
        ReadOnlySpan<nint> lengths = _tensor.Lengths, strides = _tensor.Strides;
        int[] axes = Enumerable.Range(0, lengths.Length).Where(i => _tensor.Lengths[i] > 1).ToArray();
        Array.Sort(axes, (x, y) => _tensor.Strides[x].CompareTo(_tensor.Strides[y]));
        long reach = 0;
        foreach (int axis in axes)
        {
            if (strides[axis] <= reach) return axis;
            reach += (lengths[axis] - 1) * (long)strides[axis];
        }

        return null;
    }

    /// <summary>The backing CLR array when this storage is exactly a whole array (no offset, full length).</summary>
    public T[]? WholeArray => _array is not null && _offset == 0 && _length == _array.Length ? _array : null;

    /// <summary>The elements as a writable row-major span; only valid when <see cref="IsContiguous"/>.</summary>
    public Span<T> ContiguousSpan
    {
        get
        {
            if (_array is not null) return _array.AsSpan(_offset, _length);
            if (_length == 0) return Span<T>.Empty;
            // A dense tensor is one run of memory starting at index (0, …, 0). Tensor<T>.GetSpan rejects
            // shapes with length-1 axes (their stride is 0) and GetPinnableReference ignores a slice's
            // start, so the reference comes from the indexer.
            Span<nint> zeros = stackalloc nint[_tensor!.Rank];
            return System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref _tensor[zeros], _length);
        }
    }

    /// <summary>
    /// The elements in row-major order. Contiguous storage is returned in place; a strided tensor
    /// view is flattened into a new array (the only case that copies).
    /// </summary>
    public ReadOnlySpan<T> Read()
    {
        if (IsContiguous) return ContiguousSpan;
        var flat = new T[_length];
        _tensor!.FlattenTo(flat);
        return flat;
    }

    /// <summary>
    /// Copies the elements, row-major and converted to <typeparamref name="TTo"/>, into <paramref name="destination"/>.
    /// Unlike <see cref="Read"/> it does not allocate: a strided view is gathered straight into the destination,
    /// or through a pooled buffer when the element type changes.
    /// </summary>
    public void CopyTo<TTo>(Span<TTo> destination)
    {
        if (IsContiguous)
        {
            Internal.ElementConvert.Copy<T, TTo>(ContiguousSpan, destination);
            return;
        }

        if (typeof(TTo) == typeof(T))
        {
            _tensor!.FlattenTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
                ref System.Runtime.CompilerServices.Unsafe.As<TTo, T>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination)),
                destination.Length)[.._length]);
            return;
        }

        T[] gathered = System.Buffers.ArrayPool<T>.Shared.Rent(_length);
        try
        {
            _tensor!.FlattenTo(gathered.AsSpan(0, _length));
            Internal.ElementConvert.Copy<T, TTo>(gathered.AsSpan(0, _length), destination);
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(gathered);
        }
    }

    /// <summary>Writes <paramref name="source"/> (row-major, <see cref="Length"/> elements) into the storage.</summary>
    public void Write(ReadOnlySpan<T> source)
    {
        if (IsContiguous)
        {
            source.CopyTo(ContiguousSpan);
            return;
        }

        // A strided view: let the tensor library scatter the dense result through its strides (no copy of it).
        new ReadOnlyTensorSpan<T>(source[.._length], _tensor!.Lengths, []).CopyTo(_tensor.AsTensorSpan());
    }
}
