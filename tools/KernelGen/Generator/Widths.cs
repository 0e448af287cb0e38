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
    /// Every width, widest first. The GEMM tile is 8 rows × 3 registers for all of them: tuned for AVX-512, where
    /// 24 accumulators + 3 + 1 fit its 32 registers (8 × 48 floats measured as fast as 14 × 32, and fits small row
    /// counts better). The narrower widths keep it too, for now, though it overcommits the 16 registers they name
    /// on a processor without AVX-512 (which lends them 32): their own shapes are a later tuning.
    /// </summary>
    public static IReadOnlyList<WidthSpec> All { get; } =
    [
        new("Simd512", "Vector512", "Vector512", "AVX-512 (or any 64-byte SIMD the runtime accelerates)", "Avx512F",
            Registers: 32, GemmTileRows: 8, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
        new("Simd256", "Vector256", "Vector256", "AVX2 (or any 32-byte SIMD the runtime accelerates)", "Avx512F.VL",
            Registers: 16, GemmTileRows: 8, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
        new("Simd128", "Vector128", "Vector128", "SSE or NEON (16-byte SIMD)", "Avx512F.VL",
            Registers: 16, GemmTileRows: 8, GemmTileVectors: 3, KBlockBytes, RowBlockRows),

        // Scalar floats live in the SSE/NEON register file; the tiling is the vector widths' so the scalar
        // variant exercises the same cuts (it is the fallback, not a tuned path).
        new("ScalarSimd", "Scalar", null, "one lane, plain IEEE arithmetic", null,
            Registers: 16, GemmTileRows: 8, GemmTileVectors: 3, KBlockBytes, RowBlockRows),
    ];
}
