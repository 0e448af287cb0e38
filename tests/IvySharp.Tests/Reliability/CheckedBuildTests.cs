using System.Diagnostics;
using IvySharp.Kernels.Gemm;

namespace IvySharp.Tests.Reliability;

#if DEBUG
using System.Runtime.Intrinsics;
using IvySharp.Kernels;
using IvySharp.Kernels.Simd;

/// <summary>
/// Issue 5, checked builds: in Debug the GEMM's pointer paths assert their bounds. Each test here calls an
/// internal entry point past the public validation with one extent too small and shows the matching assert
/// fires before the kernel touches memory. Every short span is a slice of a larger array, so even if an
/// assert failed to fire, the stray access would land in memory the test owns.
/// </summary>
/// <remarks>
/// Serial: a failed Debug.Assert normally ends the process (DefaultTraceListener fails fast), so
/// <see cref="AssertsThrow"/> puts a listener that throws in front of it for the test's duration; the
/// listener list is process-wide, and no other test should run under it.
/// </remarks>
[Collection(SerialCollection.Name)]
public sealed class CheckedBuildTests
{
    /// <summary>Every lane width the driver can run here: each has its own tiling, the checks must hold on all.</summary>
    private static readonly (string Name, Action<Call> Run)[] s_lanes = new (string Name, Action<Call> Run)[]
    {
        ("Scalar", c => c.Run<float, ScalarSimd<float>>()),
        ("Vector128", c => c.Run<Vector128<float>, Simd128<float>>()),
        ("Vector256", c => c.Run<Vector256<float>, Simd256<float>>()),
        ("Vector512", c => c.Run<Vector512<float>, Simd512<float>>()),
    }.Where(l => l.Name switch
    {
        "Vector128" => Vector128.IsHardwareAccelerated,
        "Vector256" => Vector256.IsHardwareAccelerated,
        "Vector512" => Vector512.IsHardwareAccelerated,
        _ => true,
    }).ToArray();

    [Fact]
    public void Gemm_calls_in_range_pass_every_bounds_assert_on_every_variant()
    {
        // Two k blocks (double's block is 1024), a partial last panel, dense and scattered layouts: every checked path.
        const int rows = 13, columns = 11, depth = 1100, xStride = 1103;
        var random = new Random(5);
        double[] x = [.. Enumerable.Range(0, ((rows - 1) * xStride) + depth).Select(_ => random.NextDouble() - 0.5)];
        double[] w = [.. Enumerable.Range(0, columns * depth).Select(_ => random.NextDouble() - 0.5)];
        double[] bias = [.. Enumerable.Range(0, columns).Select(_ => random.NextDouble())];
        int[] rowOffsets = [.. Enumerable.Range(0, rows).Select(r => r * 4)];
        int[] columnOffsets = [.. Enumerable.Range(0, columns).Select(c => ((c / 4) * rows * 4) + (c % 4))]; // head-major, heads of 4

        const int headMajorLength = 3 * rows * 4;

        using var asserts = new AssertsThrow();
        double[] expected = new double[headMajorLength];
        Gemm<double>.MultiplyTransposed(x, rows, depth, xStride, w, columns, bias, expected, rowOffsets, columnOffsets, KernelVariant.Simple);
        foreach (KernelVariant variant in KernelVariant.All.Where(KernelSelector.IsSupported))
        {
            double[] scattered = new double[headMajorLength], dense = new double[rows * columns];
            Gemm<double>.MultiplyTransposed(x, rows, depth, xStride, w, columns, bias, scattered, rowOffsets, columnOffsets, variant);
            Gemm<double>.MultiplyTransposed(x, rows, depth, xStride, w, columns, bias, dense, columns, variant);
            Assert.Equal(expected, scattered);
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++) Assert.Equal(expected[rowOffsets[r] + columnOffsets[c]], dense[(r * columns) + c]);
            }
        }
    }

    [Fact]
    public void Gemm_with_x_one_element_short_trips_the_x_sliver_assert_on_every_lane()
    {
        // Nine rows: the ninth is a sliver of its own, and its last element is the one missing.
        foreach (var lane in s_lanes)
        {
            var call = new Call(rows: 9, columns: 4, depth: 5) { XLength = (9 * 5) - 1 };
            Assert.Contains("x sliver", Trip(() => lane.Run(call)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gemm_with_w_one_element_short_trips_the_w_panel_assert()
    {
        var call = new Call(rows: 2, columns: 4, depth: 5) { WLength = (4 * 5) - 1 };
        Assert.Contains("W panel", Trip(() => s_lanes[0].Run(call)), StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_with_a_dense_destination_one_row_short_trips_the_destination_tile_assert_on_every_lane()
    {
        // Columns of one full scalar panel (3) take the direct path on the scalar lane, scratch on the wider ones.
        foreach (var lane in s_lanes)
        {
            var call = new Call(rows: 8, columns: 3, depth: 4) { DestinationLength = 7 * 3 };
            string message = Trip(() => lane.Run(call));
            Assert.True(message.Contains("destination tile", StringComparison.Ordinal) || message.Contains("scattered tile", StringComparison.Ordinal), $"{lane.Name}: {message}");
        }
    }

    [Fact]
    public void Gemm_with_a_row_offset_past_the_destination_trips_the_scattered_tile_assert()
    {
        // Columns two apart are never contiguous, so the tile goes through scratch and the scatter check.
        var call = new Call(rows: 3, columns: 3, depth: 4)
        {
            DestinationLength = 20,
            RowOffsets = [0, 6, 16],
            ColumnOffsets = [0, 2, 4],
        };
        Assert.Contains("scattered tile", Trip(() => s_lanes[0].Run(call)), StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_simple_path_with_a_column_offset_past_the_destination_trips_its_assert()
    {
        var call = new Call(rows: 2, columns: 3, depth: 4)
        {
            DestinationLength = 9,
            RowOffsets = [0, 3],
            ColumnOffsets = [0, 1, 6],
        };
        Assert.Contains("destination", Trip(call.RunSimple), StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_with_overlapping_row_offsets_trips_the_micro_kernel_assert()
    {
        // Rows two apart under a full 3-wide scalar panel: the tile is stored directly, in bounds, but its two rows
        // share an element (the second would fold into the first's total). Only the micro-kernel can see that.
        var call = new Call(rows: 2, columns: 3, depth: 4)
        {
            DestinationLength = 5,
            RowOffsets = [0, 2],
        };
        Assert.Contains("overlap", Trip(() => s_lanes[0].Run(call)), StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="call"/> with asserts turned into exceptions; returns the failed assert's message.</summary>
    private static string Trip(Action call)
    {
        using var asserts = new AssertsThrow();
        return Assert.Throws<AssertFailedException>(call).Message;
    }

    /// <summary>
    /// One driver call with a chosen extent per buffer. Each span is the first <c>…Length</c> elements of an
    /// array with room to spare, so the asserts see the short extent while any access past it stays in bounds.
    /// </summary>
    private sealed class Call(int rows, int columns, int depth)
    {
        private const int Spare = 256;

        public int XLength { get; init; } = rows * depth;

        public int WLength { get; init; } = columns * depth;

        public int DestinationLength { get; init; } = rows * columns;

        /// <summary>Empty for the dense layout (rows <c>columns</c> apart).</summary>
        public int[] RowOffsets { get; init; } = [];

        public int[] ColumnOffsets { get; init; } = [];

        public void Run<TVector, TSimd>()
            where TVector : struct
            where TSimd : ISimd<float, TVector> =>
            GemmDriver<float, TVector, TSimd>.Run(
                new float[XLength + Spare].AsSpan(0, XLength), rows, depth, depth,
                new float[WLength + Spare].AsSpan(0, WLength), columns, default,
                new float[DestinationLength + Spare].AsSpan(0, DestinationLength), RowOffsets, ColumnOffsets, columns);

        public void RunSimple() =>
            GemmSimple<float>.Run(
                new float[XLength + Spare].AsSpan(0, XLength), rows, depth, depth,
                new float[WLength + Spare].AsSpan(0, WLength), columns, default,
                new float[DestinationLength + Spare].AsSpan(0, DestinationLength), RowOffsets, ColumnOffsets, columns);
    }

    private sealed class AssertFailedException(string message) : Exception(message);

    /// <summary>
    /// Until disposed, a failed Debug.Assert throws <see cref="AssertFailedException"/> instead of ending the
    /// process: a listener placed first in <see cref="Trace.Listeners"/> (which Debug reports to) throws before
    /// the default listener is reached.
    /// </summary>
    private sealed class AssertsThrow : IDisposable
    {
        private readonly Thrower _listener = new();

        public AssertsThrow() => Trace.Listeners.Insert(0, _listener);

        public void Dispose() => Trace.Listeners.Remove(_listener);

        private sealed class Thrower : TraceListener
        {
            public override void Fail(string? message, string? detailMessage) =>
                throw new AssertFailedException(string.IsNullOrEmpty(detailMessage) ? message ?? "" : $"{message} {detailMessage}");

            public override void Write(string? message)
            {
            }

            public override void WriteLine(string? message)
            {
            }
        }
    }
}
#else
using System.Reflection;

/// <summary>
/// Issue 5, checked builds: the bounds asserts exist only in Debug. In Release this checks the other half of
/// that promise, that the library under test is an optimised build (where Debug.Assert calls are compiled out).
/// </summary>
public sealed class CheckedBuildTests
{
    [Fact]
    public void Release_tests_run_against_an_optimised_library_without_asserts()
    {
        var debuggable = typeof(Gemm<float>).Assembly.GetCustomAttribute<DebuggableAttribute>();
        Assert.False(debuggable?.IsJITOptimizerDisabled ?? false, "the library was built without optimisation: not a Release build.");
    }
}
#endif
