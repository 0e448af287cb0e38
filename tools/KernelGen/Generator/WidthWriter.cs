using System.Text;
using static System.FormattableString;

namespace IvySharp.KernelGen;

/// <summary>
/// Writes a width's <c>Simd*.Generated.cs</c>: for a vector width the whole <c>ISimd</c> struct (the vector
/// widths differ only by the register type, and the AVX-512 class that scales it), for the scalar width the
/// shape half of a partial struct whose operations are hand-written.
/// </summary>
internal static class WidthWriter
{
    public static GeneratedFile Write(WidthSpec spec) =>
        new($"src/IvySharp/Kernels/Simd/{spec.Name}.Generated.cs", Source.Lines(spec.VectorType is null ? Scalar(spec) : Vector(spec)));

    /// <summary>The members every width gets from its table entry: which width it is and its kernel shape.</summary>
    private static string Shape(WidthSpec spec)
    {
        var text = new StringBuilder();
        text.Line(Invariant($"    public static SimdWidth Width => SimdWidth.{spec.Width};"));
        text.Line();
        text.Line(Invariant($"    public static int Registers => {spec.Registers};"));
        text.Line();
        text.Line(Invariant($"    public static int GemmTileRows => {spec.GemmTileRows};"));
        text.Line();
        text.Line(Invariant($"    public static int GemmTileVectors => {spec.GemmTileVectors};"));
        text.Line();
        text.Line(Invariant($"    public static int GemmKBlockBytes => {spec.GemmKBlockBytes};"));
        text.Line();
        text.Line(Invariant($"    public static int GemmRowBlockRows => {spec.GemmRowBlockRows};"));
        return text.ToString();
    }

    private static string Scalar(WidthSpec spec) => $$"""
        {{Source.Header}}
        using System.Numerics;

        namespace IvySharp.Kernels.Simd;

        /// <summary>The scalar width's shape (its operations are in {{spec.Name}}.cs).</summary>
        internal readonly unsafe partial struct {{spec.Name}}<T>
            where T : unmanaged, IFloatingPointIeee754<T>
        {
        {{Shape(spec)}}}

        """;

    private static string Vector(WidthSpec spec)
    {
        string v = spec.VectorType!, scale = spec.ScaleIsa!;
        return $$"""
            {{Source.Header}}
            using System.Numerics;
            using System.Runtime.CompilerServices;
            using System.Runtime.Intrinsics;
            using System.Runtime.Intrinsics.X86;

            namespace IvySharp.Kernels.Simd;

            /// <summary>The width of <see cref="{{v}}{T}"/>: {{spec.Summary}}.</summary>
            /// <remarks>float and double are told apart with typeof checks, which the JIT folds away per instantiation.</remarks>
            internal readonly unsafe partial struct {{spec.Name}}<T> : ISimd<T, {{v}}<T>>
                where T : unmanaged, IFloatingPointIeee754<T>
            {
                public static int Count => {{v}}<T>.Count;

            {{Shape(spec)}}
                public static {{v}}<T> Zero => {{v}}<T>.Zero;

                public static {{v}}<T> Indices => {{v}}<T>.Indices;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Splat(T value) => {{v}}.Create(value);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Load(ref T source, nint offset) => {{v}}.LoadUnsafe(ref source, (nuint)offset);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Load(T* source) => {{v}}.Load(source);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static void Store({{v}}<T> value, ref T destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static void Store({{v}}<T> value, T* destination) => value.Store(destination);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Add({{v}}<T> a, {{v}}<T> b) => a + b;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Subtract({{v}}<T> a, {{v}}<T> b) => a - b;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Multiply({{v}}<T> a, {{v}}<T> b) => a * b;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Divide({{v}}<T> a, {{v}}<T> b) => a / b;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> MultiplyAdd({{v}}<T> a, {{v}}<T> b, {{v}}<T> c)
                {
                    if (typeof(T) == typeof(float)) return {{v}}.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
                    return {{v}}.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
                }

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> MaxNative({{v}}<T> a, {{v}}<T> b) => {{v}}.MaxNative(a, b);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Round({{v}}<T> a)
                {
                    if (typeof(T) == typeof(float)) return {{v}}.Round(a.AsSingle()).As<float, T>();
                    return {{v}}.Round(a.AsDouble()).As<double, T>();
                }

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> ScaleByPowerOfTwo({{v}}<T> p, {{v}}<T> n)
                {
                    // AVX-512's scale instruction (p · 2^⌊n⌋, IEEE underflow/overflow) does it in one step.
                    if ({{scale}}.IsSupported)
                    {
                        if (typeof(T) == typeof(float)) return {{scale}}.Scale(p.AsSingle(), n.AsSingle()).As<float, T>();
                        return {{scale}}.Scale(p.AsDouble(), n.AsDouble()).As<double, T>();
                    }

                    // 2ⁿ in two exact factors 2^⌊n/2⌋ · 2^⌈n/2⌉, each built in the exponent field: the range then
                    // covers results down to the subnormals (one rounding, in the last multiply) and up to overflow.
                    if (typeof(T) == typeof(float))
                    {
                        {{v}}<int> whole = {{v}}.ConvertToInt32Native(n.AsSingle());
                        {{v}}<int> half = {{v}}.ShiftRightArithmetic(whole, 1);
                        {{v}}<float> first = {{v}}.ShiftLeft(half + {{v}}.Create(127), 23).AsSingle();
                        {{v}}<float> second = {{v}}.ShiftLeft(whole - half + {{v}}.Create(127), 23).AsSingle();
                        return (p.AsSingle() * first * second).As<float, T>();
                    }
                    else
                    {
                        {{v}}<long> whole = {{v}}.ConvertToInt64Native(n.AsDouble());
                        {{v}}<long> half = {{v}}.ShiftRightArithmetic(whole, 1);
                        {{v}}<double> first = {{v}}.ShiftLeft(half + {{v}}.Create(1023L), 52).AsDouble();
                        {{v}}<double> second = {{v}}.ShiftLeft(whole - half + {{v}}.Create(1023L), 52).AsDouble();
                        return (p.AsDouble() * first * second).As<double, T>();
                    }
                }

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> LessThan({{v}}<T> a, {{v}}<T> b) => {{v}}.LessThan(a, b);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> GreaterThan({{v}}<T> a, {{v}}<T> b) => {{v}}.GreaterThan(a, b);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Equals({{v}}<T> a, {{v}}<T> b) => {{v}}.Equals(a, b);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Or({{v}}<T> a, {{v}}<T> b) => a | b;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static {{v}}<T> Select({{v}}<T> mask, {{v}}<T> ifTrue, {{v}}<T> ifFalse) => {{v}}.ConditionalSelect(mask, ifTrue, ifFalse);

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static bool Any({{v}}<T> mask) => mask.ExtractMostSignificantBits() != 0;

                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                public static T Sum({{v}}<T> value) => {{v}}.Sum(value);
            }

            """;
    }
}
