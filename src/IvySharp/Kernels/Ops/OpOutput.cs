using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Ops;

/// <summary>
/// Where an element-wise or linear op writes its result, in the element type <typeparamref name="T"/> the
/// kernel produces (row-major, the result's shape). Three cases, as for attention (<see cref="AttentionResults"/>):
/// a fresh array of the call's dtype; <c>@out</c> itself when it has that dtype, is contiguous and shares no
/// byte with an input (or is exactly the one input the kernel may overwrite in place); otherwise a pooled
/// buffer that <see cref="Complete"/> converts into the result after every input has been read.
/// </summary>
internal sealed class OpOutput<T> : IDisposable
    where T : unmanaged
{
    private readonly T[]? _array;
    private readonly ArrayStorage<T>? _storage;
    private readonly int _length;
    private readonly bool _pooled;
    private readonly DType _callDType;

    private OpOutput(IvyArray result, T[]? array, ArrayStorage<T>? storage, int length, bool pooled, DType callDType)
    {
        Result = result;
        _array = array;
        _storage = storage;
        _length = length;
        _pooled = pooled;
        _callDType = callDType;
    }

    /// <summary>The array the call returns: <c>@out</c> when given, else a new array of the call's dtype.</summary>
    public IvyArray Result { get; }

    /// <summary>The elements the kernel writes, row-major. Every element must be written.</summary>
    public Span<T> Span => _storage is not null ? _storage.ContiguousSpan : _array.AsSpan(0, _length);

    /// <param name="callDType">The call's dtype (x's); the result is rounded to it before any conversion into <c>@out</c>.</param>
    /// <param name="output">The validated <c>@out</c>, or null.</param>
    /// <param name="shape">The result's shape.</param>
    /// <param name="size">The result's element count.</param>
    /// <param name="inputs">Every array the kernel reads (nulls ignored).</param>
    /// <param name="inPlace">An input the kernel may overwrite element by element as it reads it (null when none may be).</param>
    public static OpOutput<T> Create(DType callDType, IvyArray? output, int[] shape, int size, IvyArray?[] inputs, IvyArray? inPlace)
    {
        bool computesCallDType = DTypes.Of<T>() == callDType;
        if (output is null && computesCallDType && shape.Length == 0)
        {
            // A rank-0 result (GELU of a scalar): IvyArray.From would read an empty shape as one-dimensional.
            var scalar = IvyArray.Zeros(callDType);
            return new OpOutput<T>(scalar, null, (ArrayStorage<T>)scalar.Storage, size, pooled: false, callDType);
        }

        if (output is null && computesCallDType)
        {
            T[] data = GC.AllocateUninitializedArray<T>(size);
            return new OpOutput<T>(IvyArray.From(data, shape), data, null, size, pooled: false, callDType);
        }

        if (computesCallDType && output is { Storage: ArrayStorage<T> { IsContiguous: true } storage } && !Overlaps(storage, inputs, inPlace))
        {
            return new OpOutput<T>(output, null, storage, size, pooled: false, callDType);
        }

        T[] pooled = ArrayPool<T>.Shared.Rent(size);
        return new OpOutput<T>(output ?? IvyArray.Zeros(callDType, shape), pooled, null, size, pooled: true, callDType);
    }

    /// <summary>
    /// Moves a pooled result into <see cref="Result"/>: rounded to float16 first when the call is float16 and the
    /// kernel computed in float32 (one rounding), then converted to the result's dtype, as Ivy converts into <c>out</c>.
    /// </summary>
    public IvyArray Complete()
    {
        if (!_pooled) return Result;
        ReadOnlySpan<T> values = _array.AsSpan(0, _length);
        if (_callDType != DType.Float16 || typeof(T) == typeof(Half) || Result.DType == DType.Float16)
        {
            Result.WriteFrom(values);
            return Result;
        }

        Half[] rounded = ArrayPool<Half>.Shared.Rent(_length);
        try
        {
            Internal.ElementConvert.Copy(values, rounded.AsSpan(0, _length));
            Result.WriteFrom<Half>(rounded.AsSpan(0, _length));
        }
        finally
        {
            ArrayPool<Half>.Shared.Return(rounded);
        }

        return Result;
    }

    public void Dispose()
    {
        if (_pooled && _array is not null) ArrayPool<T>.Shared.Return(_array);
    }

    /// <summary>True when <paramref name="output"/> shares a byte with an input, other than being exactly <paramref name="inPlace"/>; or an input's memory cannot be told (a strided view).</summary>
    private static bool Overlaps(ArrayStorage<T> output, IvyArray?[] inputs, IvyArray? inPlace)
    {
        ReadOnlySpan<byte> outBytes = MemoryMarshal.AsBytes(output.ContiguousSpan);
        foreach (IvyArray? input in inputs)
        {
            if (input is null) continue;
            if (!input.Storage.IsContiguous) return true;
            ReadOnlySpan<byte> bytes = Bytes(input.Storage);
            if (!bytes.Overlaps(outBytes)) continue;
            bool exactAlias = ReferenceEquals(input, inPlace) && bytes.Length == outBytes.Length
                && Unsafe.AreSame(ref MemoryMarshal.GetReference(bytes), ref MemoryMarshal.GetReference(outBytes));
            if (!exactAlias) return true;
        }

        return false;
    }

    private static ReadOnlySpan<byte> Bytes(ArrayStorage storage) => storage switch
    {
        ArrayStorage<float> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<double> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<Half> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        ArrayStorage<bool> s => MemoryMarshal.AsBytes(s.ContiguousSpan),
        _ => default,
    };
}
