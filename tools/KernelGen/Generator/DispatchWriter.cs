using System.Text;
using static System.FormattableString;

namespace IvySharp.KernelGen;

/// <summary>
/// Writes <c>GemmDispatch.Generated.cs</c>: the switch from a tile's run-time rows and registers to the
/// micro-kernel instantiated for them. It has a case for every shape the widths' tiling can produce: every
/// row count from 1 to each width's tile rows (the leftover rows form one sliver, or share two with the last
/// full one), by 1 up to its tile's registers (a narrow last panel is fewer).
/// </summary>
internal static class DispatchWriter
{
    public static GeneratedFile Write(IReadOnlyList<WidthSpec> widths)
    {
        int[] rows = [.. widths.SelectMany(w => RowCounts(w.GemmTileRows)).Distinct().OrderDescending()];
        int vectors = widths.Max(w => w.GemmTileVectors);
        string rowList = string.Join(", ", rows), arguments = "a, b, depth, c, rowOffsets, bias, accumulate";
        var text = new StringBuilder();
        text.Append(Source.Lines(Invariant($$"""
            {{Source.Header}}
            using System.Diagnostics;
            using System.Numerics;
            using IvySharp.Kernels.Simd;

            namespace IvySharp.Kernels.Gemm;

            /// <summary>
            /// Runs the micro-kernel instantiated for a tile's shape: {{rowList}} rows (every count up to each width's
            /// tile rows) × 1 to {{vectors}} registers across.
            /// </summary>
            internal static unsafe class GemmDispatch<T, TVector, TSimd>
                where T : unmanaged, IFloatingPointIeee754<T>
                where TVector : struct
                where TSimd : ISimd<T, TVector>
            {
                /// <summary><see cref="GemmMicroKernel{T, TVector, TSimd, TRows, TVectors}.Run"/> for <paramref name="rows"/> × <paramref name="vectors"/>.</summary>
                public static void Run(int rows, int vectors, T* a, T* b, int depth, T* c, int* rowOffsets, T* bias, bool accumulate)
                {
                    switch (rows)
                    {

            """)));
        foreach (int r in rows) text.Line(Invariant($"            case {r}: Across<{Source.Count(r)}>(vectors, {arguments}); break;"));
        text.Append(Source.Lines(Invariant($$"""
                        default: throw new UnreachableException($"no {rows}-row GEMM kernel");
                    }
                }

                private static void Across<TRows>(int vectors, T* a, T* b, int depth, T* c, int* rowOffsets, T* bias, bool accumulate)
                    where TRows : ICount
                {
                    switch (vectors)
                    {

            """)));
        for (int v = vectors; v >= 1; v--)
        {
            text.Line(Invariant($"            case {v}: GemmMicroKernel<T, TVector, TSimd, TRows, {Source.Count(v)}>.Run({arguments}); break;"));
        }

        text.Append(Source.Lines("""
                        default: throw new UnreachableException($"no {TRows.Value}×{vectors} GEMM kernel");
                    }
                }
            }

            """));
        return new GeneratedFile("src/IvySharp/Kernels/Gemm/GemmDispatch.Generated.cs", text.ToString());
    }

    /// <summary>Every sliver height a tile of <paramref name="tileRows"/> rows can produce: 1 to tileRows.</summary>
    private static IEnumerable<int> RowCounts(int tileRows) => Enumerable.Range(1, tileRows);
}
