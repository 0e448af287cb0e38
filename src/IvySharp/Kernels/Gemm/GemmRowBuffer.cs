using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// Each thread's buffer for packed rows of A: pinned, kept across calls (224 rows × a k block is up to
/// ~1.8 MB; allocating it per item would cost more than packing), grown on demand. Shared by every
/// width of one element type. Safe because an item never yields its thread before it is done with it.
/// </summary>
internal static unsafe class GemmRowBuffer<T>
    where T : unmanaged
{
    [ThreadStatic]
    [SuppressMessage("Style", "IDE1006", Justification = "[ThreadStatic]: t_ prefix, which no naming rule can select.")]
    private static T[]? t_buffer;

    public static T* Get(int length)
    {
        T[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            t_buffer = buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 1), pinned: true);
        }

        return (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }
}
