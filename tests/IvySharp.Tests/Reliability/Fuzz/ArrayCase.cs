namespace IvySharp.Tests.Reliability.Fuzz;

/// <summary>
/// An array construction: <see cref="IvyArray.From{T}(T[], int[])"/> or <see cref="IvyArray.Zeros"/> with
/// dimensions that may be negative or whose product may overflow <c>int</c> (or even <c>long</c>), data of
/// the wrong length, a null shape or data, or an undefined <see cref="DType"/> value.
/// </summary>
public sealed record ArrayCase(string Method, DType DType, int[]? Shape, int DataLength, bool NullData)
{
    private static readonly int[] Dims = [0, 1, 2, 3, 7, -1, int.MinValue, 46341, 1 << 16, 1 << 20, 1 << 30, int.MaxValue];

    public static ArrayCase Create(Random r)
    {
        DType dtype = r.Next(20) == 0 ? (DType)r.Next(4, 100) : HostileCalls.AnyType(r);
        int rank = r.Next(0, 6);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = r.Next(3) == 0 ? Dims[r.Next(Dims.Length)] : r.Next(0, 5);
        long product = Product(shape);
        string method = r.Next(3) == 0 ? "Zeros" : "From";

        // Data: the right length when that is small, otherwise off by one or small; never a huge allocation.
        int dataLength = product is >= 0 and <= 1 << 16 && r.Next(3) != 0 ? (int)product : r.Next(0, 9);
        if (dataLength == product && r.Next(4) == 0) dataLength++;
        if (method == "Zeros" && product > 1 << 16 && product <= int.MaxValue)
        {
            shape = [.. shape, -1]; // a valid Zeros of this size would allocate gigabytes: make it invalid
        }

        return new ArrayCase(method, dtype, r.Next(40) == 0 ? null : shape, dataLength, method == "From" && r.Next(40) == 0);
    }

    /// <summary>Element count, −1 when a dimension is negative, saturated at <see cref="long.MaxValue"/>.</summary>
    public static long Product(int[] shape)
    {
        if (shape.Any(d => d < 0)) return -1;
        if (shape.Contains(0)) return 0;
        long product = 1;
        foreach (int d in shape)
        {
            if (product > long.MaxValue / d) return long.MaxValue;
            product *= d;
        }

        return product;
    }

    /// <summary>The parameters an error may name (every rule the construction breaks), or null when it is valid.</summary>
    public string[]? ExpectedErrors()
    {
        if (Method == "From" && NullData) return ["data"];
        if (Shape is null) return ["shape"];
        var broken = new List<string>();
        if (Method == "Zeros" && !Enum.IsDefined(DType)) broken.Add("dtype"); // From takes the dtype from T
        long product = Product(Shape);
        if (product < 0 || product > int.MaxValue) broken.Add("shape");
        else if (Method == "From" && (Shape.Length == 0 ? DataLength : product) != DataLength) broken.Add("shape");
        return broken.Count == 0 ? null : [.. broken];
    }

    /// <summary>The dtype a valid construction must have (From with an undefined value builds bool data).</summary>
    public DType ExpectedDType() => Enum.IsDefined(DType) ? DType : DType.Bool;

    /// <summary>The shape a valid construction must have.</summary>
    public int[] ExpectedShape() => Method == "From" && Shape!.Length == 0 ? [DataLength] : Shape!;

    /// <summary>Runs the construction.</summary>
    public IvyArray Run()
    {
        if (Method == "Zeros") return IvyArray.Zeros(DType, Shape!);
        return DType switch
        {
            DType.Float16 => IvyArray.From(NullData ? null! : new Half[DataLength], Shape!),
            DType.Float32 => IvyArray.From(NullData ? null! : new float[DataLength], Shape!),
            DType.Float64 => IvyArray.From(NullData ? null! : new double[DataLength], Shape!),
            _ => IvyArray.From(NullData ? null! : new bool[DataLength], Shape!),
        };
    }

    public override string ToString() =>
        $"{Method}<{DType}>(shape {(Shape is null ? "null" : $"({string.Join(", ", Shape)})")}, data {(NullData ? "null" : DataLength.ToString(System.Globalization.CultureInfo.InvariantCulture))})";
}
