namespace IvySharp.KernelGen;

/// <summary>The widths the library is built with, and the shape each declares: the one place those numbers live.</summary>
internal static class Widths
{
    // Cache budgets, the same for every width today. A k block of 8 KB of packed x per row: each extra k block
    // stores and reloads C, which measured costlier than panels outgrowing L2 (2048³: 95 → 101 GFLOP/s from 768
    // to 2048 floats). 224 rows per row block: each W panel is fetched from L3 once per block.
    private const int KBlockBytes = 8192;
    private const int RowBlockRows = 224;

    /// <summary>
    /// Every width, widest first. AVX-512 keeps 8 rows × 3 registers: 24 accumulators + 3 + 1 fit its 32 registers
    /// (8 × 48 floats measured as fast as 14 × 32, and fits small row counts better). The 16-register widths take
    /// 4 × 3: 12 accumulators + 3 B registers + 1 broadcast = 16, no spill. 8 × 3 on a processor without AVX-512
    /// kept 9 accumulators on the stack (a load and a store around every third FMA): 4096 × 2304 × 768 with
    /// AVX-512 off (DOTNET_EnableAVX512=0), 1 thread, same run: 8 × 3 55 GFLOP/s, 4 × 3 96, 6 × 2 93, 5 × 2 45,
    /// 3 × 4 30 (spills too), against a 256-bit FMA ceiling of 93 (docs/engine.md, "Kernel shapes").
    /// </summary>
    public static IReadOnlyList<WidthSpec> All { get; } =
    [
        new("Simd512", "Vector512", "Vector512", "AVX-512 (or any 64-byte SIMD the runtime accelerates)", "Avx512F",
            Registers: 32, GemmTileRows: 8, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
        new("Simd256", "Vector256", "Vector256", "AVX2 (or any 32-byte SIMD the runtime accelerates)", "Avx512F.VL",
            Registers: 16, GemmTileRows: 4, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
        new("Simd128", "Vector128", "Vector128", "SSE or NEON (16-byte SIMD)", "Avx512F.VL",
            Registers: 16, GemmTileRows: 4, GemmTileVectors: 3, KBlockBytes, RowBlockRows),

        // Scalar floats live in the SSE/NEON register file (16 registers): the 16-register widths' tile, so the
        // scalar variant exercises the same cuts as they do (it is the fallback, not a tuned path).
        new("ScalarSimd", "Scalar", null, "one lane, plain IEEE arithmetic", null,
            Registers: 16, GemmTileRows: 4, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
    ];
}
