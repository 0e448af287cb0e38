using System.Numerics;
using System.Runtime.CompilerServices;

namespace IvySharp.Kernels.Rules;

/// <summary>
/// Dropout on the attention weights, for every path: weight (n, h, i, j) is dropped when
/// <see cref="DropoutHash"/> says so for its flat index in the (N, H, L, S′) weights, and every kept weight is
/// multiplied by 1/(1 − p) (p = 1 keeps nothing). Decided per position, so no path, tiling or thread count
/// changes which weights are dropped.
/// </summary>
internal readonly struct DropoutRule<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _keep;

    public DropoutRule(double probability, ulong seed)
    {
        Probability = probability;
        Seed = seed;
        _keep = probability >= 1 ? T.Zero : T.CreateChecked(1.0 / (1.0 - probability));
    }

    /// <summary>The probability actually applied (0 unless training).</summary>
    public double Probability { get; }

    public ulong Seed { get; }

    /// <summary>True when some weight may be dropped (p &gt; 0).</summary>
    public bool IsActive => Probability > 0;

    /// <summary>Flat index of weight (n, h, i, 0) in the (N, H, L, S′) order the hash is defined on.</summary>
    public static ulong RowIndex(int n, int h, int i, int heads, int rows, int keys) =>
        (ulong)((((long)n * heads) + h) * rows + i) * (ulong)keys;

    /// <summary>
    /// Applies the rule to <paramref name="count"/> weights <paramref name="stride"/> apart starting at
    /// <paramref name="first"/>, whose first flat index is <paramref name="firstIndex"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ref T first, nint stride, int count, ulong firstIndex)
    {
        for (int j = 0; j < count; j++)
        {
            ref T x = ref Unsafe.Add(ref first, j * stride);
            x = DropoutHash.Drop(Seed, firstIndex + (ulong)j, Probability) ? T.Zero : x * _keep;
        }
    }
}
