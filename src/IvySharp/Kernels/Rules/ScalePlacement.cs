using System.Numerics;

namespace IvySharp.Kernels.Rules;

/// <summary>
/// Where the scale of scale·(q·k) is applied, for every path (plain rows, tiled core, narrow core, repair).
/// With |scale| ≤ 1 it rides on q: (scale·q)·k is one multiply per query element, and no intermediate grows,
/// so nothing overflows that scale·(q·k) would not (scale 0 gives 0 even where q·k alone overflows).
/// With |scale| &gt; 1, scale·q could overflow where the contract's scale·(q·k) is finite, so the dot
/// products are multiplied instead, as the contract writes it.
/// </summary>
internal readonly struct ScalePlacement<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public ScalePlacement(T scale)
    {
        Scale = scale;
        ScalesScores = T.Abs(scale) > T.One;
        QueryScale = ScalesScores ? T.One : scale;
    }

    /// <summary>The call's scale.</summary>
    public T Scale { get; }

    /// <summary>True when the scores (q·k) are multiplied by <see cref="Scale"/>; false when q is.</summary>
    public bool ScalesScores { get; }

    /// <summary>The factor q is multiplied by before the dot products: the scale, or 1 when <see cref="ScalesScores"/>.</summary>
    public T QueryScale { get; }

    /// <summary>The score from a dot product of the (already <see cref="QueryScale"/>-multiplied) query with a key.</summary>
    public T Score(T dot) => ScalesScores ? Scale * dot : dot;
}
