using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace IvySharp;

public sealed partial class IvyArray
{
    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="float"/> (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator IvyArray?(Tensor<float>? tensor) => tensor is null ? null : From(tensor);

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="double"/> (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator IvyArray?(Tensor<double>? tensor) => tensor is null ? null : From(tensor);

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="Half"/> (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator IvyArray?(Tensor<Half>? tensor) => tensor is null ? null : From(tensor);

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="bool"/> (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator IvyArray?(Tensor<bool>? tensor) => tensor is null ? null : From(tensor);
}
