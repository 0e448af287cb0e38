using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Each thread's buffers for packed rows of A and, on the per-call path, for one packed k block of a W panel:
/// pinned, kept across calls (224 rows × a k block is up to ~1.8 MB; allocating it per item would cost more
/// than packing), grown on demand. Shared by every width of one element type. Safe because an item never
/// yields its thread before it is done with them.
/// </summary>
internal static unsafe class GemmRowBuffer<T>
    where T : unmanaged
{
    [ThreadStatic]
    [SuppressMessage("Style", "IDE1006", Justification = "[ThreadStatic]: t_ prefix, which no naming rule can select.")]
    private static T[]? t_buffer;

    [ThreadStatic]
    [SuppressMessage("Style", "IDE1006", Justification = "[ThreadStatic]: t_ prefix, which no naming rule can select.")]
    private static T[]? t_panel;

    /// <summary>The buffer for packed rows of x, at least <paramref name="length"/> elements.</summary>
    public static T* Get(int length) => Ensure(ref t_buffer, length);

    /// <summary>The buffer for one packed W block, at least <paramref name="length"/> elements.</summary>
    public static T* GetPanel(int length) => Ensure(ref t_panel, length);

    private static T* Ensure(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 1), pinned: true);
        }

        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }
}
