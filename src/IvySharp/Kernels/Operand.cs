using System.Buffers;

namespace IvySharp.Kernels;

/// <summary>
/// An input array seen in the compute type <typeparamref name="T"/> (float for float16/float32, double
/// for float64). Same-typed contiguous storage is read in place; anything else (float16, strided
/// tensor views, masks of another dtype) is converted once into a pooled buffer. An array on a device stays
/// there: the operand carries its device storage (<see cref="Device"/>, converted on the device when the dtype
/// differs) for that device's backend, and has no host <see cref="Span"/>.
/// </summary>
internal sealed class Operand<T> : IDisposable
{
    private readonly ArrayStorage<T>? _inPlace;
    private T[]? _rented;
    private readonly int _length;
    private readonly bool _ownsDevice;

    private Operand(ArrayStorage<T>? inPlace, T[]? rented, int length)
    {
        _inPlace = inPlace;
        _rented = rented;
        _length = length;
    }

    private Operand(DeviceStorage device, bool owns)
    {
        Device = device;
        _ownsDevice = owns;
        _length = device.Length;
    }

    /// <summary>The elements on the host. A device operand has none: a host backend asking for them is a bug.</summary>
    public ReadOnlySpan<T> Span => Device is not null
        ? throw new InvalidOperationException($"A host backend was handed an operand that lives on {Device.Device}: device arrays are computed by their device's backend.")
        : _inPlace is not null ? _inPlace.ContiguousSpan : _rented.AsSpan(0, _length);

    /// <summary>The elements in device memory, in the compute type; null for a host operand.</summary>
    public DeviceStorage? Device { get; }

    /// <summary>Number of elements.</summary>
    public int Length => _length;

    public static Operand<T> Of(IvyArray array)
    {
        if (array.Storage is DeviceStorage device)
        {
            DType compute = DTypes.Of<T>();
            return device.DType == compute ? new Operand<T>(device, owns: false) : new Operand<T>(device.ToComputeType(compute), owns: true);
        }

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

        if (_ownsDevice) Device!.Release();
    }
}
