using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace IvySharp;

/// <summary>
/// An argument of a nestable call: either an <see cref="IvyArray"/> or a <see cref="Container"/> of arrays
/// (Ivy's "nest"). It converts implicitly from both, and from <see cref="Tensor{T}"/> and the attention
/// results, so <c>Ivy.MultiHeadAttention(x, key: keys, value: values)</c> compiles whichever of them is a container.
/// </summary>
/// <remarks>
/// Overload design: the nestable overloads take <see cref="Nestable"/> parameters next to the existing
/// <see cref="IvyArray"/> ones. A call whose arguments are all arrays or tensors still binds to the array
/// overload (an identity conversion beats a user-defined one, and <see cref="IvyArray"/> is the better
/// conversion target for a tensor because it converts to <see cref="Nestable"/> and not back), so it keeps the
/// array call's behaviour, result type and speed. A call with a container argument binds to the nestable overload.
/// </remarks>
public sealed class Nestable
{
    private Nestable(IvyArray array) => Array = array;

    private Nestable(Container container) => Container = container;

    /// <summary>The array, when this argument is one; otherwise null.</summary>
    public IvyArray? Array { get; }

    /// <summary>The container, when this argument is one; otherwise null.</summary>
    public Container? Container { get; }

    /// <summary>True when this argument is a <see cref="IvySharp.Container"/>.</summary>
    [MemberNotNullWhen(true, nameof(Container))]
    [MemberNotNullWhen(false, nameof(Array))]
    public bool IsContainer => Container is not null;

    /// <summary>The node this argument contributes to the mapping: the array or the container.</summary>
    internal object Node => (object?)Array ?? Container!;

    /// <summary>An array argument; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(array))]
    public static implicit operator Nestable?(IvyArray? array) => array is null ? null : new Nestable(array);

    /// <summary>A container argument; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(container))]
    public static implicit operator Nestable?(Container? container) => container is null ? null : new Nestable(container);

    /// <summary>A <see cref="Tensor{T}"/> of <see cref="float"/> as an array argument (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator Nestable?(Tensor<float>? tensor) => (IvyArray?)tensor;

    /// <summary>A <see cref="Tensor{T}"/> of <see cref="double"/> as an array argument (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator Nestable?(Tensor<double>? tensor) => (IvyArray?)tensor;

    /// <summary>A <see cref="Tensor{T}"/> of <see cref="Half"/> as an array argument (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator Nestable?(Tensor<Half>? tensor) => (IvyArray?)tensor;

    /// <summary>A <see cref="Tensor{T}"/> of <see cref="bool"/> as an array argument (no copy when dense); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public static implicit operator Nestable?(Tensor<bool>? tensor) => (IvyArray?)tensor;

    /// <summary>An array call's output (<see cref="MultiHeadAttentionResult.Output"/>) as an argument; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(result))]
    public static implicit operator Nestable?(MultiHeadAttentionResult? result) => result?.Output;

    /// <summary>A nestable call's outputs (<see cref="ContainerAttentionResult.Output"/>) as an argument; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(result))]
    public static implicit operator Nestable?(ContainerAttentionResult? result) => result?.Output;

    /// <summary>The array's or the container's text.</summary>
    public override string ToString() => Node.ToString() ?? string.Empty;
}
