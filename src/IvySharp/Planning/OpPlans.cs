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
internal sealed record LayerNormPlan(
    DType DType, IvyArray X, int[] Axes, IvyArray? Scale, IvyArray? Offset, double Eps, double NewStd, IvyArray? Out);

/// <summary>A validated <c>Ivy.Gelu</c> call.</summary>
internal sealed record GeluPlan(DType DType, IvyArray X, bool Approximate, IvyArray? Out);
