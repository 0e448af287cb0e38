namespace IvySharp.KernelGen;

/// <summary>
/// One SIMD width as the generator emits it: its register type and the kernel shape it declares through
/// <c>ISimd</c>. The shape is data here, in one table (<see cref="Widths"/>), so tuning a width is an edit
/// of its entry and a run of the tool.
/// </summary>
/// <param name="Name">The struct's name, e.g. <c>Simd512</c>.</param>
/// <param name="Width">Its <c>SimdWidth</c> member.</param>
/// <param name="VectorType">
/// The register type's name (<c>Vector512</c>), or null for the scalar width, whose operations are
/// hand-written (ScalarSimd.cs) and only its shape is generated.
/// </param>
/// <param name="Summary">What hardware runs it, for the struct's doc comment.</param>
/// <param name="ScaleIsa">The AVX-512 class whose <c>Scale</c> covers this register size (<c>Avx512F</c> or <c>Avx512F.VL</c>).</param>
/// <param name="Registers">Vector registers the instruction set names at this width.</param>
/// <param name="GemmTileRows">Rows of the GEMM micro-tile.</param>
/// <param name="GemmTileVectors">Registers across the GEMM micro-tile.</param>
/// <param name="GemmKBlockBytes">Bytes of one packed row of x per k block.</param>
/// <param name="GemmRowBlockRows">Rows of x packed together and swept across the W panels.</param>
internal sealed record WidthSpec(
    string Name,
    string Width,
    string? VectorType,
    string Summary,
    string? ScaleIsa,
    int Registers,
    int GemmTileRows,
    int GemmTileVectors,
    int GemmKBlockBytes,
    int GemmRowBlockRows)
{
    /// <summary>Registers the GEMM tile keeps live: accumulators, a row of the W panel and the broadcast of x.</summary>
    public int GemmTileRegisters => (GemmTileRows * GemmTileVectors) + GemmTileVectors + 1;
}
