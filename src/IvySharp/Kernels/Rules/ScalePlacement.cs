using System.Numerics;

namespace IvySharp.Kernels.Rules;

/// <summary>
/// Where the scale of scale·(q·k) is applied, for every path (plain rows, tiled core, narrow core, repair).
/// With |scale| ≤ 1 it rides on q: (scale·q)·k is one multiply per query element, and no intermediate grows,
/// so nothing overflows that scale·(q·k) would not (scale 0 gives 0 even where q·k alone overflows).
/// With |scale| &gt; 1, scale·q could overflow where the contract's scale·(q·k) is finite, so the dot
/// products are multiplied instead, as the contract writes it. The same holds when scale·q underflows to ±0 for a
/// nonzero q element (a subnormal scale or query, <see cref="LosesQuery"/>): then (scale·q)·±∞ would be 0·∞ = NaN
/// where scale·(q·k) is ±∞, so a call where any such element turns up is placed on the scores as a whole
/// (<see cref="ScalePlacement(T, bool)"/>; the cores run it again, Pipeline/CpuAttention). Scale 0 stays on q:
/// 0·q is the intended 0, and (0·q)·±∞ and 0·(q·±∞) are both NaN.
/// </summary>
internal readonly struct ScalePlacement<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <param name="scale">The call's scale.</param>
    /// <param name="onScores">Multiply the scores whatever the scale (a call in which scale·q underflowed).</param>
    public ScalePlacement(T scale, bool onScores = false)
    {
        Scale = scale;
        ScalesScores = onScores || T.Abs(scale) > T.One;
        QueryScale = ScalesScores ? T.One : scale;
    }

    /// <summary>
    /// Whether multiplying <paramref name="query"/> by the scale lost it: the product <paramref name="scaled"/> is ±0 for
    /// a nonzero query element (NaN and ±∞ never qualify). Meaningful only for a nonzero finite scale.
    /// </summary>
    public static bool LosesQuery(T query, T scaled) => scaled == T.Zero && query != T.Zero;

    /// <summary>The call's scale.</summary>
    public T Scale { get; }

    /// <summary>True when the scores (q·k) are multiplied by <see cref="Scale"/>; false when q is.</summary>
    public bool ScalesScores { get; }

    /// <summary>The factor q is multiplied by before the dot products: the scale, or 1 when <see cref="ScalesScores"/>.</summary>
    public T QueryScale { get; }

    /// <summary>The score from a dot product of the (already <see cref="QueryScale"/>-multiplied) query with a key.</summary>
    public T Score(T dot) => ScalesScores ? Scale * dot : dot;
}
