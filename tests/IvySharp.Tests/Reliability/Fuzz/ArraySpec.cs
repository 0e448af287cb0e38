using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>How an argument's elements sit in memory.</summary>
public enum Layout
{
    /// <summary><see cref="IvyArray.From{T}(T[], int[])"/> over an exact CLR array.</summary>
    Dense,

    /// <summary>A dense <see cref="Tensor{T}"/>, converted implicitly.</summary>
    Tensor,

    /// <summary>A strided tensor view: the last axis padded by 1–2 poison elements (NaN, or true for bool), at an offset.</summary>
    Padded,

    /// <summary>A strided tensor view with the first axis fastest (a transposed layout).</summary>
    ColumnMajor,

    /// <summary>A broadcast view: axis 0 has stride 0, so its rows repeat one row of memory.</summary>
    Broadcast,

    /// <summary>Rank 0 (only <see cref="IvyArray.Zeros"/> makes one); always 0.</summary>
    Scalar,
}

/// <summary>One argument: its shape, dtype and memory layout.</summary>
public sealed record ArraySpec(int[] Shape, DType DType, Layout Layout = Layout.Dense)
{
    /// <summary>Element count, saturated at <see cref="long.MaxValue"/> (huge shapes are always empty here).</summary>
    public long Count
    {
        get
        {
            if (Shape.Any(d => d < 0)) return -1;
            if (Shape.Contains(0)) return 0;
            long count = 1;
            foreach (int d in Shape)
            {
                if (count > long.MaxValue / Math.Max(d, 1)) return long.MaxValue;
                count *= d;
            }

            return count;
        }
    }

    public override string ToString() => $"({string.Join(", ", Shape)}) {DType} {Layout}";
}

/// <summary>
/// A built argument: the array handed to the library, the CLR array behind it (null for rank 0), where each
/// logical element lives in that array, and the logical values as the generator chose them (independent of
/// the library's own reading code, so the reference and the checks never go through <see cref="IvyArray"/>'s strides).
/// </summary>
public sealed class BuiltArray
{
    public required IvyArray Array { get; init; }
    public Array? Backing { get; init; }
    public required int[] Map { get; init; }
    public required double[] Values { get; init; }

    /// <summary>A dense copy of the logical values in a fresh array, for the reference.</summary>
    public IvyArray DenseCopy(ArraySpec spec)
    {
        if (spec.Shape.Length == 0) return IvyArray.Zeros(spec.DType);
        if (Values.Length == 0) return IvyArray.Zeros(spec.DType, spec.Shape);
        return spec.DType == DType.Bool
            ? IvyArray.From(Values.Select(v => v != 0).ToArray(), spec.Shape)
            : Support.A.F(spec.DType, Values, spec.Shape);
    }
}

/// <summary>Builds <see cref="BuiltArray"/>s: the memory, the view over it and the logical → memory index map.</summary>
public static class ArrayBuilder
{
    /// <summary>Builds <paramref name="spec"/> holding <paramref name="values"/> (row-major, one per element; ignored when empty).</summary>
    public static BuiltArray Build(ArraySpec spec, double[] values, Random r)
    {
        if (spec.Shape.Length == 0) return new BuiltArray { Array = IvyArray.Zeros(spec.DType), Map = [], Values = [0] };
        long count = spec.Count;
        Layout layout = count == 0 && spec.Layout != Layout.Dense ? Layout.Tensor : spec.Layout;
        if (count == 0 && spec.Shape.Any(d => d > 1 << 20)) layout = Layout.Dense; // huge empty shapes: no tensor strides to compute
        int size = (int)count;
        int rank = spec.Shape.Length;
        var strides = new long[rank];
        long start = 0, backingLength;
        switch (layout)
        {
            case Layout.Padded:
            {
                int pad = r.Next(1, 3);
                start = r.Next(0, 3);
                long stride = 1;
                for (int k = rank - 1; k >= 0; k--)
                {
                    strides[k] = stride;
                    stride *= k == rank - 1 ? spec.Shape[k] + pad : spec.Shape[k];
                }

                backingLength = start + stride + r.Next(0, 2);
                break;
            }

            case Layout.ColumnMajor:
            {
                start = r.Next(0, 3);
                long stride = 1;
                for (int k = 0; k < rank; k++)
                {
                    strides[k] = stride;
                    stride *= spec.Shape[k];
                }

                backingLength = start + stride;
                break;
            }

            case Layout.Broadcast:
            {
                start = r.Next(0, 2);
                long stride = 1;
                for (int k = rank - 1; k >= 1; k--)
                {
                    strides[k] = stride;
                    stride *= spec.Shape[k];
                }

                strides[0] = 0;
                backingLength = start + stride;
                break;
            }

            default:
            {
                long stride = 1;
                for (int k = rank - 1; k >= 0; k--)
                {
                    strides[k] = stride;
                    stride *= spec.Shape[k];
                }

                backingLength = size;
                break;
            }
        }

        // System.Numerics.Tensors requires stride 0 on axes of length 1.
        for (int k = 0; k < rank; k++)
        {
            if (spec.Shape[k] == 1) strides[k] = 0;
        }

        var map = new int[size];
        var index = new int[rank];
        for (int i = 0; i < size; i++)
        {
            long offset = start;
            for (int k = 0; k < rank; k++) offset += index[k] * strides[k];
            map[i] = (int)offset;
            for (int k = rank - 1; k >= 0 && ++index[k] == spec.Shape[k]; k--) index[k] = 0;
        }

        Array backing = NewBacking(spec.DType, (int)backingLength);
        if (layout is Layout.Padded or Layout.ColumnMajor or Layout.Broadcast)
        {
            for (int i = 0; i < backing.Length; i++) Set(backing, i, double.NaN); // poison outside the view
        }

        // A broadcast view repeats its memory: the logical values are what the memory holds.
        var logical = new double[size];
        for (int i = 0; i < size; i++)
        {
            Set(backing, map[i], values.Length == size ? values[i] : 0);
        }

        for (int i = 0; i < size; i++) logical[i] = Get(backing, map[i]);

        IvyArray array = layout switch
        {
            Layout.Dense => FromArray(backing, spec.Shape),
            _ => FromTensor(backing, (int)start, spec.Shape, strides),
        };
        return new BuiltArray { Array = array, Backing = backing, Map = map, Values = logical };
    }

    /// <summary>A view with row-major strides at <paramref name="start"/> of an existing backing array (for @out overlapping an input).</summary>
    public static BuiltArray ViewOf(Array backing, int start, int[] shape)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        var strides = new long[shape.Length];
        long stride = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            strides[k] = stride;
            stride *= shape[k];
        }

        for (int k = 0; k < shape.Length; k++)
        {
            if (shape[k] == 1) strides[k] = 0;
        }

        int[] map = Enumerable.Range(start, size).ToArray();
        return new BuiltArray
        {
            Array = FromTensor(backing, start, shape, strides),
            Backing = backing,
            Map = map,
            Values = map.Select(i => Get(backing, i)).ToArray(),
        };
    }

    public static Array NewBacking(DType dtype, int length) => dtype switch
    {
        DType.Float16 => new Half[length],
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        _ => new bool[length],
    };

    /// <summary>Stores <paramref name="value"/> rounded to the backing's type (bool: non-zero, NaN included, is true).</summary>
    public static void Set(Array backing, int index, double value)
    {
        switch (backing)
        {
            case Half[] h: h[index] = (Half)value; break;
            case float[] f: f[index] = (float)value; break;
            case double[] d: d[index] = value; break;
            case bool[] b: b[index] = value != 0; break;
        }
    }

    public static double Get(Array backing, int index) => backing switch
    {
        Half[] h => (double)h[index],
        float[] f => f[index],
        double[] d => d[index],
        bool[] b => b[index] ? 1 : 0,
        _ => throw new ArgumentException("unsupported backing", nameof(backing)),
    };

    /// <summary>The raw bytes of a backing array, for bit-exact before/after comparisons.</summary>
    public static byte[] Bytes(Array backing) => backing switch
    {
        Half[] h => MemoryMarshal.AsBytes(h.AsSpan()).ToArray(),
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()).ToArray(),
        bool[] b => MemoryMarshal.AsBytes(b.AsSpan()).ToArray(),
        _ => throw new ArgumentException("unsupported backing", nameof(backing)),
    };

    /// <summary>Bytes per element of a backing array.</summary>
    public static int ElementBytes(Array backing) => backing switch { Half[] => 2, float[] => 4, double[] => 8, _ => 1 };

    private static IvyArray FromArray(Array backing, int[] shape) => backing switch
    {
        Half[] h => IvyArray.From(h, shape),
        float[] f => IvyArray.From(f, shape),
        double[] d => IvyArray.From(d, shape),
        bool[] b => IvyArray.From(b, shape),
        _ => throw new ArgumentException("unsupported backing", nameof(backing)),
    };

    private static IvyArray FromTensor(Array backing, int start, int[] shape, long[] strides)
    {
        nint[] lengths = shape.Select(x => (nint)x).ToArray();
        nint[] steps = strides.Select(x => (nint)x).ToArray();
        if (shape.Contains(0))
        {
            // An empty tensor: the strided overload rejects every stride choice for it, the plain one does not.
            return backing switch
            {
                Half[] h => Tensor.Create(h, lengths),
                float[] f => Tensor.Create(f, lengths),
                double[] d => Tensor.Create(d, lengths),
                bool[] b => Tensor.Create(b, lengths),
                _ => throw new ArgumentException("unsupported backing", nameof(backing)),
            };
        }

        return backing switch
        {
            Half[] h => Tensor.Create(h, start, lengths, steps),
            float[] f => Tensor.Create(f, start, lengths, steps),
            double[] d => Tensor.Create(d, start, lengths, steps),
            bool[] b => Tensor.Create(b, start, lengths, steps),
            _ => throw new ArgumentException("unsupported backing", nameof(backing)),
        };
    }
}
