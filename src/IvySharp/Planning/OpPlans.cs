namespace IvySharp.Planning;

/// <summary>
/// A validated <c>Ivy.Linear</c> call: y (…, out) = x (…, in) · weightᵀ + bias, computed as one GEMM of
/// <see cref="Rows"/> rows. Kernels trust it: every shape here agrees with every array.
/// </summary>
internal sealed record LinearPlan(
    DType DType, IvyArray X, IvyArray Weight, IvyArray? Bias, IvyArray? Out,
    int Rows, int InFeatures, int OutFeatures, int[] OutputShape);

/// <summary>
/// A validated <c>Ivy.LayerNorm</c> call. <see cref="Axes"/> are the normalised axes, non-negative and
/// ascending; <see cref="Scale"/> and <see cref="Offset"/> broadcast to x's shape (numpy rules).
/// </summary>
/// <remarks>
/// <see cref="PreparedScale"/> and <see cref="PreparedOffset"/>, when set, are Scale and Offset already widened to
/// float64 in group order (a layer's, prepared once when its variables were set): the driver uses them instead of
/// converting and gathering Scale and Offset on every call. Only valid where the groups are x's trailing axes and
/// Scale/Offset have exactly the group's shape.
/// </remarks>
internal sealed record LayerNormPlan(
    DType DType, IvyArray X, int[] Axes, IvyArray? Scale, IvyArray? Offset, double Eps, double NewStd, IvyArray? Out)
{
    public double[]? PreparedScale { get; init; }

    public double[]? PreparedOffset { get; init; }
}

/// <summary>A validated <c>Ivy.Gelu</c> call.</summary>
internal sealed record GeluPlan(DType DType, IvyArray X, bool Approximate, IvyArray? Out);
