namespace IvySharp.Kernels.Simd;

/// <summary>
/// A count known when the JIT compiles a kernel: rows or registers of a tile. Each value is its own struct, so
/// a kernel instantiated for it sees a constant and keeps only the accumulators it uses (C# has no integer
/// generic parameters). The GEMM's tiles and the flash engine's query blocks both count with it.
/// </summary>
internal interface ICount
{
    static abstract int Value { get; }
}

/// <summary>1.</summary>
internal readonly struct One : ICount
{
    public static int Value => 1;
}

/// <summary>2.</summary>
internal readonly struct Two : ICount
{
    public static int Value => 2;
}

/// <summary>3.</summary>
internal readonly struct Three : ICount
{
    public static int Value => 3;
}

/// <summary>4.</summary>
internal readonly struct Four : ICount
{
    public static int Value => 4;
}

/// <summary>5.</summary>
internal readonly struct Five : ICount
{
    public static int Value => 5;
}

/// <summary>6.</summary>
internal readonly struct Six : ICount
{
    public static int Value => 6;
}

/// <summary>7.</summary>
internal readonly struct Seven : ICount
{
    public static int Value => 7;
}

/// <summary>8.</summary>
internal readonly struct Eight : ICount
{
    public static int Value => 8;
}
