using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace IvySharp;

/// <summary>What a <see cref="ContainerValue"/> holds.</summary>
public enum ContainerValueKind
{
    /// <summary><c>default(ContainerValue)</c>: holds nothing and cannot be stored in a container.</summary>
    None,

    /// <summary>An <see cref="IvyArray"/> leaf.</summary>
    Array,

    /// <summary>A sub-<see cref="IvySharp.Container"/>.</summary>
    Container,

    /// <summary>A leaf holding a list of arrays (mapped element by element when <c>mapSequences</c> is set).</summary>
    Sequence,
}

/// <summary>
/// One node of a <see cref="IvySharp.Container"/>: an <see cref="IvyArray"/>, a sub-container, or a list
/// of arrays. Converts implicitly from each of them (and from <see cref="Tensor{T}"/>), so
/// <c>c["a"] = x</c>, <c>c["b"] = new Container { ... }</c> and <c>c["s"] = new[] { x, y }</c> all read naturally.
/// </summary>
public readonly struct ContainerValue : IEquatable<ContainerValue>
{
    // One of IvyArray, Container or ReadOnlyCollection<IvyArray>; null only for default(ContainerValue).
    private readonly object? _value;

    private ContainerValue(object value) => _value = value;

    /// <summary>What this value holds.</summary>
    public ContainerValueKind Kind => _value switch
    {
        IvyArray => ContainerValueKind.Array,
        Container => ContainerValueKind.Container,
        ReadOnlyCollection<IvyArray> => ContainerValueKind.Sequence,
        _ => ContainerValueKind.None,
    };

    /// <summary>True for an array leaf.</summary>
    public bool IsArray => _value is IvyArray;

    /// <summary>True for a sub-container.</summary>
    public bool IsContainer => _value is Container;

    /// <summary>True for a list-of-arrays leaf.</summary>
    public bool IsSequence => _value is ReadOnlyCollection<IvyArray>;

    internal object? Raw => _value;

    /// <summary>Wraps a node the mapping code already holds: an <see cref="IvyArray"/>, a <see cref="IvySharp.Container"/> or a stored sequence.</summary>
    internal static ContainerValue FromRaw(object node) => new(node);

    /// <summary>A value holding <paramref name="array"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    public static ContainerValue Of(IvyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return new ContainerValue(array);
    }

    /// <summary>A value holding the sub-container <paramref name="container"/> (stored by reference, not copied).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="container"/> is null.</exception>
    public static ContainerValue Of(Container container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return new ContainerValue(container);
    }

    /// <summary>A list-of-arrays leaf holding a snapshot of <paramref name="arrays"/> (later changes to the list are not seen).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="arrays"/> or one of its elements is null.</exception>
    public static ContainerValue Sequence(IEnumerable<IvyArray> arrays)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        IvyArray[] copy = arrays.ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null) throw new ArgumentNullException(nameof(arrays), $"Element {i} of the sequence is null.");
        }

        return new ContainerValue(new ReadOnlyCollection<IvyArray>(copy));
    }

    /// <summary>The array leaf.</summary>
    /// <exception cref="InvalidOperationException">This value is not an array.</exception>
    public IvyArray AsArray() => _value as IvyArray ?? throw WrongKind(ContainerValueKind.Array);

    /// <summary>The sub-container.</summary>
    /// <exception cref="InvalidOperationException">This value is not a container.</exception>
    public Container AsContainer() => _value as Container ?? throw WrongKind(ContainerValueKind.Container);

    /// <summary>The list-of-arrays leaf (read-only).</summary>
    /// <exception cref="InvalidOperationException">This value is not a sequence.</exception>
    public IReadOnlyList<IvyArray> AsSequence() => _value as ReadOnlyCollection<IvyArray> ?? throw WrongKind(ContainerValueKind.Sequence);

    /// <summary>Wraps an array; a null array gives <c>default</c>, which a container refuses to store.</summary>
    public static implicit operator ContainerValue(IvyArray? array) => array is null ? default : new ContainerValue(array);

    /// <summary>Wraps a sub-container; a null container gives <c>default</c>, which a container refuses to store.</summary>
    public static implicit operator ContainerValue(Container? container) => container is null ? default : new ContainerValue(container);

    /// <summary>A list-of-arrays leaf (a snapshot of the array); see <see cref="Sequence"/>.</summary>
    public static implicit operator ContainerValue(IvyArray[]? arrays) => arrays is null ? default : Sequence(arrays);

    /// <summary>A list-of-arrays leaf (a snapshot of the list); see <see cref="Sequence"/>.</summary>
    public static implicit operator ContainerValue(List<IvyArray>? arrays) => arrays is null ? default : Sequence(arrays);

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="float"/> as an array leaf (no copy when dense).</summary>
    public static implicit operator ContainerValue(Tensor<float>? tensor) => (IvyArray?)tensor;

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="double"/> as an array leaf (no copy when dense).</summary>
    public static implicit operator ContainerValue(Tensor<double>? tensor) => (IvyArray?)tensor;

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="Half"/> as an array leaf (no copy when dense).</summary>
    public static implicit operator ContainerValue(Tensor<Half>? tensor) => (IvyArray?)tensor;

    /// <summary>Wraps a <see cref="Tensor{T}"/> of <see cref="bool"/> as an array leaf (no copy when dense).</summary>
    public static implicit operator ContainerValue(Tensor<bool>? tensor) => (IvyArray?)tensor;

    /// <summary>True when both hold the same object (reference equality: arrays are mutable, so equal contents are not identity).</summary>
    public bool Equals(ContainerValue other) => ReferenceEquals(_value, other._value);

    /// <inheritdoc cref="Equals(ContainerValue)"/>
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is ContainerValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_value);

    /// <summary>Reference equality; see <see cref="Equals(ContainerValue)"/>.</summary>
    public static bool operator ==(ContainerValue left, ContainerValue right) => left.Equals(right);

    /// <summary>Reference inequality; see <see cref="Equals(ContainerValue)"/>.</summary>
    public static bool operator !=(ContainerValue left, ContainerValue right) => !left.Equals(right);

    /// <summary>The held value's text: an array as <see cref="IvyArray.ToString"/>, a sequence as <c>[..., ...]</c>, a container in Ivy's nested style.</summary>
    public override string ToString() => _value switch
    {
        null => "<none>",
        ReadOnlyCollection<IvyArray> list => $"[{string.Join(", ", list)}]",
        _ => _value.ToString() ?? string.Empty,
    };

    private InvalidOperationException WrongKind(ContainerValueKind wanted) =>
        new($"The value is {Describe(Kind)}, not {Describe(wanted)}.");

    internal static string Describe(ContainerValueKind kind) => kind switch
    {
        ContainerValueKind.Array => "an array",
        ContainerValueKind.Container => "a container",
        ContainerValueKind.Sequence => "a list of arrays",
        _ => "empty",
    };
}
