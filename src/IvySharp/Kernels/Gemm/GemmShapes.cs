namespace IvySharp.Kernels.Gemm;

/// <summary>
/// A compile-time count for the micro-kernel's tile shape (rows of C, or registers across a row).
/// Each value is its own struct so the JIT sees the shape as a constant and keeps only the
/// accumulators that shape uses; C# has no integer generic parameters.
/// </summary>
internal interface IGemmCount
{
    static abstract int Value { get; }
}

internal readonly struct Rows8 : IGemmCount
{
    public static int Value => 8;
}

internal readonly struct Rows4 : IGemmCount
{
    public static int Value => 4;
}

internal readonly struct Rows2 : IGemmCount
{
    public static int Value => 2;
}

internal readonly struct Rows1 : IGemmCount
{
    public static int Value => 1;
}

internal readonly struct Vectors3 : IGemmCount
{
    public static int Value => 3;
}

internal readonly struct Vectors2 : IGemmCount
{
    public static int Value => 2;
}

internal readonly struct Vectors1 : IGemmCount
{
    public static int Value => 1;
}
