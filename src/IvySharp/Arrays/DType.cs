using System.Diagnostics.CodeAnalysis;

namespace IvySharp;

/// <summary>The element type of an <see cref="IvyArray"/> (Ivy's <c>ivy.Dtype</c>).</summary>
[SuppressMessage("Naming", "CA1720", Justification = "Public API: the members are Ivy's dtype names (float16, float32, float64, bool).")]
public enum DType
{
    /// <summary>IEEE 754 binary16, <see cref="System.Half"/>. Attention computes it with float32 accumulation.</summary>
    Float16,

    /// <summary>IEEE 754 binary32, <see cref="float"/>.</summary>
    Float32,

    /// <summary>IEEE 754 binary64, <see cref="double"/>.</summary>
    Float64,

    /// <summary>Boolean, <see cref="bool"/>; used for masks (<c>true</c> = masked out).</summary>
    Bool,
}

/// <summary>Helpers that map <see cref="DType"/> to and from CLR types.</summary>
public static class DTypes
{
    /// <summary>The <see cref="DType"/> of a CLR element type.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not <see cref="Half"/>, <see cref="float"/>, <see cref="double"/> or <see cref="bool"/>.</exception>
    public static DType Of<T>()
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new ArgumentException(
            $"Element type {typeof(T).Name} is not supported; expected Half, float, double or bool.", "T");
    }

    /// <summary>True for <see cref="DType.Float16"/>, <see cref="DType.Float32"/> and <see cref="DType.Float64"/>.</summary>
    public static bool IsFloating(this DType dtype) => dtype != DType.Bool;

    /// <summary>The lower-case name Ivy prints (<c>float32</c>, <c>bool</c>, …).</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float16 => "float16",
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => "bool",
    };
}
