using System.Numerics;
using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>Moves between layouts on the device: inputs copied into head-major scratch, and the bias/zero key rows.</summary>
internal static class LayoutKernels
{
    /// <summary>Copies element (n, h, t, c) of every (n, h, t &lt; tokens, c &lt; d) from one layout to another.</summary>
    public static void Gather<T>(Index1D index, ArrayView<T> source, ArrayView<T> destination, Strided from, Strided to, int heads, int tokens, int d)
        where T : unmanaged
    {
        int c = index % d, rest = index / d;
        int t = rest % tokens, nh = rest / tokens;
        int h = nh % heads, n = nh / heads;
        destination[to.At(n, h, t) + c] = source[from.At(n, h, t) + c];
    }

    /// <summary>
    /// Row S of each (n, h) gets the bias token's head slice (when <paramref name="hasBias"/> is 1) and the row after
    /// it zeros (when <paramref name="addZero"/> is 1): the extra key/value columns (contract §4). One thread per (n, h, c).
    /// </summary>
    public static void Extras<T>(Index1D index, ArrayView<T> buffer, ArrayView<T> token, Strided layout, int heads, int s, int d, int hasBias, int addZero)
        where T : unmanaged, INumber<T>
    {
        int c = index % d, nh = index / d;
        int h = nh % heads, n = nh / heads;
        int row = s;
        if (hasBias != 0)
        {
            buffer[layout.At(n, h, row) + c] = token[(h * d) + c];
            row++;
        }

        if (addZero != 0) buffer[layout.At(n, h, row) + c] = T.Zero;
    }

    /// <summary>
    /// Sets <paramref name="lost"/>[0] to 1 when <paramref name="queryScale"/>·q is ±0 for a nonzero element q of the query
    /// (the CPU's <c>ScalePlacement.LosesQuery</c>): the attention and weights kernels then place the scale on the scores
    /// for the whole call, as the CPU does. One thread per (n, h, t, c); every thread that finds one writes the same 1.
    /// </summary>
    public static void QueryLost<T>(Index1D index, ArrayView<T> q, Strided layout, int heads, int tokens, int d, T queryScale, ArrayView<int> lost)
        where T : unmanaged, INumber<T>
    {
        int c = index % d, rest = index / d;
        int t = rest % tokens, nh = rest / tokens;
        int h = nh % heads, n = nh / heads;
        T x = q[layout.At(n, h, t) + c];
        if (x * queryScale == T.Zero && x != T.Zero) lost[0] = 1;
    }
}
