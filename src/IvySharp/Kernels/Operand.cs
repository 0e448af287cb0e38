using System.Buffers;

namespace IvySharp.Kernels;

/// <summary>
/// An input array seen in the compute type <typeparamref name="T"/> (float for float16/float32, double
/// for float64). Same-typed contiguous storage is read in place; anything else (float16, strided
/// tensor views, masks of another dtype) is converted once into a pooled buffer.
/// </summary>
internal sealed class Operand<T> : IDisposable
{
    private readonly ArrayStorage<T>? _inPlace;
    private T[]? _rented;
    private readonly int _length;

    private Operand(ArrayStorage<T>? inPlace, T[]? rented, int length)
    {
        _inPlace = inPlace;
        _rented = rented;
        _length = length;
    }

    public ReadOnlySpan<T> Span => _inPlace is not null ? _inPlace.ContiguousSpan : _rented.AsSpan(0, _length);

    public static Operand<T> Of(IvyArray array)
    {
        if (array.Storage is ArrayStorage<T> typed && typed.IsContiguous)
        {
            return new Operand<T>(typed, null, typed.Length);
        }

        var buffer = ArrayPool<T>.Shared.Rent(array.Size);
        array.CopyTo<T>(buffer.AsSpan(0, array.Size));
        return new Operand<T>(null, buffer, array.Size);
    }

    public static Operand<T>? OfOptional(IvyArray? array) => array is null ? null : Of(array);

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<T>.Shared.Return(_rented);
            _rented = null;
        }
    }
}
