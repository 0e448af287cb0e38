using System.Numerics.Tensors;
using IvySharp.Internal;

namespace IvySharp;

/// <summary>
/// A dense, row-major n-dimensional array: IvySharp's counterpart of Ivy's <c>ivy.Array</c>.
/// It wraps a CLR array or a <see cref="Tensor{T}"/> without copying; a native
/// <see cref="Tensor{T}"/> converts to it implicitly wherever an <see cref="IvyArray"/> is expected
/// (Ivy's <c>ivy.NativeArray</c>).
/// </summary>
/// <remarks>
/// Supported element types: <see cref="Half"/>, <see cref="float"/>, <see cref="double"/> and
/// <see cref="bool"/> (<see cref="IvySharp.DType"/>). Element counts are limited to
/// <see cref="int.MaxValue"/>.
/// </remarks>
public sealed partial class IvyArray
{
    private readonly int[] _shape;

    private IvyArray(ArrayStorage storage, DType dtype, int[] shape)
    {
        Storage = storage;
        DType = dtype;
        _shape = shape;
    }

    /// <summary>The length of each dimension, outermost first (a new copy on every call).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public int Size => Storage.Length;

    internal ArrayStorage Storage { get; }

    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>
    /// Wraps <paramref name="data"/> (row-major) as an array of the given shape, without copying:
    /// later writes to <paramref name="data"/> are visible through the array.
    /// </summary>
    /// <param name="data">The elements, row-major. <typeparamref name="T"/> is <see cref="Half"/>, <see cref="float"/>, <see cref="double"/> or <see cref="bool"/>.</param>
    /// <param name="shape">The dimensions; omitted, the array is one-dimensional of <c>data.Length</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, the product of <paramref name="shape"/> differs from <c>data.Length</c>, or <typeparamref name="T"/> is unsupported.</exception>
    public static IvyArray From<T>(T[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        DType dtype = DTypes.Of<T>();
        int[] dims = shape.Length == 0 ? [data.Length] : (int[])shape.Clone();
        long count = ElementCount(dims, nameof(shape));
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape {ShapeText.Of(dims)} holds {count} elements but data has {data.Length}.", nameof(shape));
        }

        return new IvyArray(new ArrayStorage<T>(data, 0, data.Length), dtype, dims);
    }

    /// <summary>
    /// Wraps a <see cref="Tensor{T}"/>. A dense tensor is used in place (no copy); a strided view is
    /// read through its strides, and written through them when used as <c>@out</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is null.</exception>
    /// <exception cref="ArgumentException">A dimension exceeds <see cref="int.MaxValue"/> or <typeparamref name="T"/> is unsupported.</exception>
    public static IvyArray From<T>(Tensor<T> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        DType dtype = DTypes.Of<T>();
        var dims = new int[tensor.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            nint length = tensor.Lengths[i];
            if (length > int.MaxValue)
            {
                throw new ArgumentException($"Tensor dimension {i} has {length} elements; at most {int.MaxValue} are supported.", nameof(tensor));
            }

            dims[i] = (int)length;
        }

        ElementCount(dims, nameof(tensor));
        return new IvyArray(new ArrayStorage<T>(tensor), dtype, dims);
    }

    /// <summary>A new array of zeros (false for <see cref="DType.Bool"/>); an empty <paramref name="shape"/> gives a rank-0 scalar, as <c>ivy.zeros(())</c>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, the element count exceeds <see cref="int.MaxValue"/>, or <paramref name="dtype"/> is not a defined value.</exception>
    public static IvyArray Zeros(DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int count = checked((int)ElementCount(shape, nameof(shape)));
        int[] dims = (int[])shape.Clone();

        // Built directly rather than through From, whose empty shape means "one-dimensional".
        return dtype switch
        {
            DType.Float16 => new IvyArray(new ArrayStorage<Half>(new Half[count], 0, count), dtype, dims),
            DType.Float32 => new IvyArray(new ArrayStorage<float>(new float[count], 0, count), dtype, dims),
            DType.Float64 => new IvyArray(new ArrayStorage<double>(new double[count], 0, count), dtype, dims),
            DType.Bool => new IvyArray(new ArrayStorage<bool>(new bool[count], 0, count), dtype, dims),
            _ => throw new ArgumentException($"dtype {dtype} is not a defined DType.", nameof(dtype)),
        };
    }

    /// <summary>A row-major copy of the elements, converted to <typeparamref name="T"/> when the dtype differs.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is unsupported.</exception>
    public T[] ToArray<T>()
    {
        DTypes.Of<T>();
        var result = new T[Size];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>
    /// This array as a <see cref="Tensor{T}"/>. When <typeparamref name="T"/> matches the dtype and the
    /// array wraps a tensor or a whole CLR array, the tensor shares that memory; otherwise it is a copy.
    /// </summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is unsupported.</exception>
    public Tensor<T> ToTensor<T>()
    {
        DTypes.Of<T>();
        var lengths = new nint[Rank];
        for (int i = 0; i < lengths.Length; i++) lengths[i] = _shape[i];
        if (Storage is ArrayStorage<T> typed)
        {
            if (typed.Tensor is not null) return typed.Tensor;
            if (typed.WholeArray is { } whole) return Tensor.Create(whole, lengths);
        }

        return Tensor.Create(ToArray<T>(), lengths);
    }

    /// <summary>The element at <paramref name="index"/> (one index per dimension), as a <see cref="double"/>.</summary>
    /// <exception cref="ArgumentException">The index has the wrong number of components.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A component is outside its dimension.</exception>
    public double this[params int[] index]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(index);
            if (index.Length != Rank)
            {
                throw new ArgumentException($"Expected {Rank} indices for shape {ShapeText.Of(_shape)}; got {index.Length}.", nameof(index));
            }

            int flat = 0;
            for (int i = 0; i < index.Length; i++)
            {
                if ((uint)index[i] >= (uint)_shape[i])
                {
                    throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[i]} is outside dimension {i} of length {_shape[i]}.");
                }

                flat = (flat * _shape[i]) + index[i];
            }

            // Device memory is never read in place: fetch the whole array (indexing a device array is a debugging aid).
            if (Storage is DeviceStorage) return ToArray<double>()[flat];

            return DType switch
            {
                DType.Float16 => (double)((ArrayStorage<Half>)Storage).Read()[flat],
                DType.Float32 => ((ArrayStorage<float>)Storage).Read()[flat],
                DType.Float64 => ((ArrayStorage<double>)Storage).Read()[flat],
                _ => ((ArrayStorage<bool>)Storage).Read()[flat] ? 1.0 : 0.0,
            };
        }
    }

    /// <summary>Copies the elements, row-major and converted, into <paramref name="destination"/>.</summary>
    internal void CopyTo<T>(Span<T> destination)
    {
        if (Storage is DeviceStorage device)
        {
            device.Download(destination);
            return;
        }

        switch (DType)
        {
            case DType.Float16: ((ArrayStorage<Half>)Storage).CopyTo(destination); break;
            case DType.Float32: ((ArrayStorage<float>)Storage).CopyTo(destination); break;
            case DType.Float64: ((ArrayStorage<double>)Storage).CopyTo(destination); break;
            default: ((ArrayStorage<bool>)Storage).CopyTo(destination); break;
        }
    }

    /// <summary>Overwrites every element from <paramref name="source"/> (row-major), converting to this dtype.</summary>
    internal void WriteFrom<T>(ReadOnlySpan<T> source)
    {
        if (Storage is DeviceStorage device)
        {
            device.Upload(source);
            return;
        }

        switch (DType)
        {
            case DType.Float16: WriteConverted<T, Half>(source); break;
            case DType.Float32: WriteConverted<T, float>(source); break;
            case DType.Float64: WriteConverted<T, double>(source); break;
            default: WriteConverted<T, bool>(source); break;
        }
    }

    private void WriteConverted<TFrom, TTo>(ReadOnlySpan<TFrom> source)
    {
        var storage = (ArrayStorage<TTo>)Storage;
        if (storage.IsContiguous)
        {
            ElementConvert.Copy(source, storage.ContiguousSpan);
            return;
        }

        TTo[] converted = System.Buffers.ArrayPool<TTo>.Shared.Rent(source.Length);
        try
        {
            ElementConvert.Copy(source, converted.AsSpan(0, source.Length));
            storage.Write(converted.AsSpan(0, source.Length));
        }
        finally
        {
            System.Buffers.ArrayPool<TTo>.Shared.Return(converted);
        }
    }

    private static long ElementCount(ReadOnlySpan<int> dims, string paramName)
    {
        foreach (int d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Dimensions must be non-negative; got {ShapeText.Of(dims)}.", paramName);
            }
        }

        // An empty axis anywhere makes the array empty, however large the other axes' partial product.
        if (dims.Contains(0)) return 0;

        long count = 1;
        foreach (int d in dims)
        {
            count *= d;
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"Shape {ShapeText.Of(dims)} has more than {int.MaxValue} elements.", paramName);
            }
        }

        return count;
    }
}
