using System.Text;
using static System.FormattableString;

namespace IvySharp.KernelGen;

/// <summary>
/// Writes <c>GemmMicroKernel.Generated.cs</c>: the register-blocked kernel over a grid of accumulators large
/// enough for every width's tile (C# has no register arrays, so the grid is written out, one local each). The
/// kernel is generic in its rows and registers; a shape smaller than the grid keeps only its own accumulators,
/// the JIT folding the rest away.
/// </summary>
internal static class MicroKernelWriter
{
    public static GeneratedFile Write(IReadOnlyList<WidthSpec> widths)
    {
        int rows = widths.Max(w => w.GemmTileRows), vectors = widths.Max(w => w.GemmTileVectors);
        WidthSpec widest = widths[0];
        var text = new StringBuilder();
        text.Append(Source.Lines(Invariant($$"""
            {{Source.Header}}
            using System.Diagnostics;
            using System.Numerics;
            using System.Runtime.CompilerServices;
            using System.Runtime.Intrinsics.X86;
            using IvySharp.Kernels.Simd;

            namespace IvySharp.Kernels.Gemm;

            /// <summary>
            /// The register-blocked GEMM micro-kernel: a <typeparamref name="TRows"/> × (<typeparamref name="TVectors"/> ·
            /// lane width) tile of C held in registers while k runs over a packed A sliver ([k][rows]) and a packed
            /// B panel ([k][panel width]); one broadcast of A feeds every register of its row.
            /// </summary>
            /// <remarks>
            /// <para>Each accumulator is its own local, a grid of {{rows}} × {{vectors}} (the largest tile any width asks
            /// for): only the ones the shape uses survive the JIT's constant folding. {{widest.Name}}'s {{widest.GemmTileRows}} × {{widest.GemmTileVectors}} tile keeps
            /// {{widest.GemmTileRows * widest.GemmTileVectors}} accumulators + {{widest.GemmTileVectors}} B registers + 1 broadcast of its {{widest.Registers}} registers.</para>
            /// <para>The order of the sum, the same in every width and in <see cref="GemmSimple{T}"/>: k runs in
            /// chunks of <see cref="GemmTiling.SumChunk"/>; each chunk is a chain s = fma(a[k], b[k], s) from zero,
            /// folded into the element's total (total = total + s, kept in C between chunks); the bias is added
            /// last. Chunking keeps each chain short: float error at depth 768 measured 2.4× smaller than one
            /// chain, for about 1% more time.</para>
            /// </remarks>
            [SkipLocalsInit]
            internal static unsafe class GemmMicroKernel<T, TVector, TSimd, TRows, TVectors>
                where T : unmanaged, IFloatingPointIeee754<T>
                where TVector : struct
                where TSimd : ISimd<T, TVector>
                where TRows : ICount
                where TVectors : ICount
            {
                /// <summary>
                /// How many k steps ahead the loop prefetches the A sliver and the B panel: 12 KB of a 512-bit panel, 6 KB of
                /// a 256-bit one. A layer's weights are read from memory on every forward when a model's layers outgrow the
                /// caches (MiniLM's six: 42 MB), and the first sliver through a panel waits on DRAM: 8 steps (about 25 ns of
                /// work) hid too little of it. 24 × 1536 × 384 then 24 × 384 × 1536 over six weight sets, 2 threads: 1.29 →
                /// 1.08 ms on AVX-512, 2.07 → 1.86 ms on the 256-bit path; weights in cache: no change measured.
                /// </summary>
                private const int PrefetchSteps = 64;

                /// <summary>c[rowOffsets[r] + j] = (accumulate ? c[…] : 0) + Σₖ a[k·rows + r] · b[k·width + j] (chunked) + bias[j].</summary>
                /// <param name="a">Packed A sliver, [depth][rows].</param>
                /// <param name="b">Packed B panel, [depth][width] where width = vectors · lane width.</param>
                /// <param name="depth">Number of k steps; a k block before this one must end on a chunk boundary.</param>
                /// <param name="c">Start of the tile's columns in C.</param>
                /// <param name="rowOffsets">Offset of each tile row from <paramref name="c"/>.</param>
                /// <param name="bias">width values added once at the end (zeros when there is none, or more k blocks follow).</param>
                /// <param name="accumulate">C holds the total of the chunks before this k block: continue it instead of starting from zero.</param>
                [MethodImpl(MethodImplOptions.AggressiveOptimization)]
                public static void Run(T* a, T* b, int depth, T* c, int* rowOffsets, T* bias, bool accumulate)
                {
                    Debug.Assert(TRows.Value <= {{rows}} && TVectors.Value <= {{vectors}});
                    int n = TSimd.Count;
                    int width = TVectors.Value * n;

                    // The pointers carry no length: the caller (GemmJob) checks a, b, bias and every row of c against their
                    // buffers before the call. What is checkable here is what the loops rely on besides.
                    Debug.Assert(a != null && b != null && c != null && rowOffsets != null && bias != null && depth >= 0);
                    AssertDisjointRows(rowOffsets, width);


            """)));

        // Two rows of accumulators per declaration line.
        for (int r = 0; r < rows; r += 2)
        {
            IEnumerable<string> names = Enumerable.Range(r, Math.Min(2, rows - r)).SelectMany(row => Enumerable.Range(0, vectors).Select(v => Invariant($"c{row}_{v} = TSimd.Zero")));
            text.Line("        TVector " + string.Join(", ", names) + ";");
        }

        text.Append(Source.Lines(Invariant($$"""

                    if (Sse.IsSupported)
                    {
                        // The tile's lines of C are written at the end (and between chunks); asking for them now hides the misses.
                        for (int r = 0; r < TRows.Value; r++)
                        {
                            byte* line = (byte*)(c + rowOffsets[r]);
                            for (int offset = 0; offset < width * sizeof(T); offset += 64) Sse.Prefetch0(line + offset);
                        }
                    }

                    bool hasTotal = accumulate;
                    T* target;
                    int k = 0;
                    while (true)
                    {
                        for (int end = Math.Min(depth, k + GemmTiling.SumChunk); k < end; k++)
                        {
                            if (Sse.IsSupported)
                            {
                                // Written out, not looped: the row of B is at most {{Source.Word(vectors)}} 64-byte lines and the sizes are constants.
                                byte* ahead = (byte*)(b + (PrefetchSteps * width));
                                Sse.Prefetch0(ahead);

            """)));
        for (int line = 1; line < vectors; line++) text.Line(Invariant($"                    if (width * sizeof(T) > {64 * line}) Sse.Prefetch0(ahead + {64 * line});"));
        text.Line("                    Sse.Prefetch0(a + (PrefetchSteps * TRows.Value));");
        text.Line("                }");
        text.Line();
        text.Line("                TVector b0 = TSimd.Load(b);");
        for (int v = 1; v < vectors; v++) text.Line(Invariant($"                TVector b{v} = TVectors.Value > {v} ? TSimd.Load(b{Offset(v)}) : b0;"));
        text.Line("                TVector ak;");
        PerRow(text, rows, "                ", r => [Invariant($"ak = TSimd.Splat({(r == 0 ? "*a" : Invariant($"a[{r}]"))});"), .. PerVector(vectors, v => Invariant($"c{r}_{v} = TSimd.MultiplyAdd(ak, b{v}, c{r}_{v});"))]);
        text.Append(Source.Lines("""
                            a += TRows.Value;
                            b += width;
                        }

                        if (k == depth) break;

                        // A chunk ends and more follow: fold it into the totals in C and start the next chain from zero.

            """));
        PerRow(text, rows, "            ", r => [Invariant($"target = c + rowOffsets[{r}];"), .. PerVector(vectors, v => Invariant($"c{r}_{v} = Fold(c{r}_{v}, target{Offset(v)}, hasTotal);"))]);
        text.Line("            hasTotal = true;");
        text.Line("        }");
        text.Line();
        text.Line("        TVector d0 = TSimd.Load(bias);");
        for (int v = 1; v < vectors; v++) text.Line(Invariant($"        TVector d{v} = TVectors.Value > {v} ? TSimd.Load(bias{Offset(v)}) : d0;"));
        PerRow(text, rows, "        ", r => [Invariant($"target = c + rowOffsets[{r}];"), .. PerVector(vectors, v => Invariant($"Finish(c{r}_{v}, target{Offset(v)}, hasTotal, d{v});"))], blankAfterLast: false);
        text.Append(Source.Lines("""
                }

                /// <summary>No two tile rows share an element (Fold and Finish read a row's total back from C); a method so Release drops the loop.</summary>
                [Conditional("DEBUG")]
                private static void AssertDisjointRows(int* rowOffsets, int width)
                {
                    for (int r = 1; r < TRows.Value; r++)
                    {
                        for (int q = 0; q < r; q++) Debug.Assert(Math.Abs((long)rowOffsets[r] - rowOffsets[q]) >= width, $"tile rows {q} and {r} overlap.");
                    }
                }

                /// <summary>total = total + chunk (or the chunk itself when there is no total yet); returns the next chain's zero.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static TVector Fold(TVector chunk, T* total, bool hasTotal)
                {
                    TSimd.Store(hasTotal ? TSimd.Add(TSimd.Load(total), chunk) : chunk, total);
                    return TSimd.Zero;
                }

                /// <summary>The element's value: (total + last chunk) + bias.</summary>
                [MethodImpl(MethodImplOptions.AggressiveInlining)]
                private static void Finish(TVector chunk, T* total, bool hasTotal, TVector bias) =>
                    TSimd.Store(TSimd.Add(hasTotal ? TSimd.Add(TSimd.Load(total), chunk) : chunk, bias), total);
            }

            """));
        return new GeneratedFile("src/IvySharp/Kernels/Gemm/GemmMicroKernel.Generated.cs", text.ToString());
    }

    /// <summary>The offset of register <paramref name="v"/> of a row: "", " + n", " + (2 * n)", ….</summary>
    private static string Offset(int v) => v switch
    {
        0 => "",
        1 => " + n",
        _ => Invariant($" + ({v} * n)"),
    };

    /// <summary>One statement per register of a row, each past the first guarded by the tile's register count.</summary>
    private static IEnumerable<string> PerVector(int vectors, Func<int, string> statement) =>
        Enumerable.Range(0, vectors).Select(v => v == 0 ? statement(v) : Invariant($"if (TVectors.Value > {v}) {statement(v)}"));

    /// <summary>Row 0's statements unguarded, every later row's in a block guarded by the tile's row count; a blank line after each.</summary>
    private static void PerRow(StringBuilder text, int rows, string indent, Func<int, IEnumerable<string>> statements, bool blankAfterLast = true)
    {
        for (int r = 0; r < rows; r++)
        {
            if (r == 0)
            {
                foreach (string statement in statements(r)) text.Line(indent + statement);
            }
            else
            {
                text.Line(Invariant($"{indent}if (TRows.Value > {r})"));
                text.Line(indent + "{");
                foreach (string statement in statements(r)) text.Line(indent + "    " + statement);
                text.Line(indent + "}");
            }

            if (r < rows - 1 || blankAfterLast) text.Line();
        }
    }
}
