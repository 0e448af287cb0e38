using System.Buffers;
using System.Numerics;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// A validated mask in its final form for the cores: values of the compute type in the mask's own row-major
/// layout ((L, S), (N·H, L, S) or (N, S)); a boolean mask becomes −∞ where it masks out and 0 elsewhere, with
/// <see cref="Assigns"/> set, because its −∞ is assigned over the score rather than added
/// (<see cref="Rules.RowRules{T, TVector, TSimd}.Mask"/>). Owns a pooled buffer until disposed. A mask on a device
/// is converted there into the same final form (<see cref="Device"/>) and has no host <see cref="Span"/>.
/// </summary>
internal sealed class MaskValues<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[]? _values;

    private MaskValues(T[] values, int length, bool assigns, bool perBatchHead)
    {
        _values = values;
        Length = length;
        Assigns = assigns;
        PerBatchHead = perBatchHead;
    }

    private MaskValues(DeviceStorage device, bool assigns, bool perBatchHead)
    {
        Device = device;
        Length = device.Length;
        Assigns = assigns;
        PerBatchHead = perBatchHead;
    }

    /// <summary>The values, row-major in the mask's shape. A device mask has none: a host backend asking is a bug.</summary>
    public ReadOnlySpan<T> Span => Device is not null
        ? throw new InvalidOperationException($"A host backend was handed a mask that lives on {Device.Device}.")
        : _values.AsSpan(0, Length);

    /// <summary>The final-form values in device memory (compute type), or null for a host mask.</summary>
    public DeviceStorage? Device { get; private set; }

    public int Length { get; }

    /// <summary>True for a boolean mask: its −∞ entries are assigned (a NaN score there is dropped), not added.</summary>
    public bool Assigns { get; }

    /// <summary>True when an attention mask has one (L, S) slice per (sample, head) rather than one shared slice.</summary>
    public bool PerBatchHead { get; }

    /// <summary>The mask of <paramref name="plan"/> converted to the compute type, or null.</summary>
    public static MaskValues<T>? Of(Planning.MaskPlan? plan)
    {
        if (plan is null) return null;
        if (plan.Array.Storage is DeviceStorage device)
        {
            return new MaskValues<T>(device.ToComputeType(DTypes.Of<T>()), plan.IsBool, plan.PerBatchHead);
        }

        int size = plan.Array.Size;
        T[] values = ArrayPool<T>.Shared.Rent(Math.Max(1, size));
        if (plan.IsBool)
        {
            ReadOnlySpan<bool> flags = ((ArrayStorage<bool>)plan.Array.Storage).Read();
            for (int i = 0; i < size; i++) values[i] = flags[i] ? T.NegativeInfinity : T.Zero;
        }
        else
        {
            plan.Array.CopyTo<T>(values.AsSpan(0, size));
        }

        return new MaskValues<T>(values, size, plan.IsBool, plan.PerBatchHead);
    }

    public void Dispose()
    {
        if (_values is not null) ArrayPool<T>.Shared.Return(_values);
        _values = null;
        Device?.Release();
        Device = null;
    }
}
