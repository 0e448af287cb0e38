using System.Numerics;
using System.Runtime.Intrinsics;
using IvySharp.Internal;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// One multiplication by weights packed beforehand, as <see cref="Gemm{T}.Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>
/// takes it: x (<see cref="Rows"/> rows, <see cref="XStride"/> apart) times the packed W, written through the offset tables.
/// </summary>
internal readonly ref struct GemmCall<T>(
    PackedWeights<T> packed, ReadOnlySpan<T> x, int rows, int xStride, Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public PackedWeights<T> Packed { get; } = packed;

    public ReadOnlySpan<T> X { get; } = x;

    public int Rows { get; } = rows;

    public int XStride { get; } = xStride;

    public Span<T> Destination { get; } = destination;

    // Cut to the rows and columns in use (as the single-call path passes them); a table too short is left whole for
    // the validation to report.
    public ReadOnlySpan<int> RowOffsets { get; } = rowOffsets.Length >= rows ? rowOffsets[..rows] : rowOffsets;

    public ReadOnlySpan<int> ColumnOffsets { get; } = packed is not null && columnOffsets.Length >= packed.Columns ? columnOffsets[..packed.Columns] : columnOffsets;
}

/// <summary>Three calls' GEMM items as one list: the first call's items, then the second's, then the third's.</summary>
internal readonly struct GemmJobTriple<T, TVector, TSimd> : IParallelItems
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
{
    public required GemmJob<T, TVector, TSimd> First { get; init; }

    public required GemmJob<T, TVector, TSimd> Second { get; init; }

    public required GemmJob<T, TVector, TSimd> Third { get; init; }

    public required int FirstItems { get; init; }

    public required int SecondItems { get; init; }

    public void Run(int item)
    {
        if (item < FirstItems) First.RunItem(item);
        else if (item < FirstItems + SecondItems) Second.RunItem(item - FirstItems);
        else Third.RunItem(item - FirstItems - SecondItems);
    }
}

/// <content>Several packed multiplications of one call in one fan-out.</content>
internal static partial class Gemm<T>
{
    /// <summary>
    /// Runs three multiplications by packed weights (a call's q, k and v projections) with one hand-off to the
    /// threads instead of three: the same bits as three <see cref="Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>
    /// calls. Weights packed for different widths, or plain ones, run one after the other.
    /// </summary>
    public static void RunTogether(scoped in GemmCall<T> first, scoped in GemmCall<T> second, scoped in GemmCall<T> third)
    {
        Validate(first);
        Validate(second);
        Validate(third);
        SimdWidth width = first.Packed.Width;
        bool shared = first.Packed.Algorithm == AttentionAlgorithm.Tiled && second.Packed.Algorithm == AttentionAlgorithm.Tiled
            && third.Packed.Algorithm == AttentionAlgorithm.Tiled && second.Packed.Width == width && third.Packed.Width == width;
        if (!shared)
        {
            RunAlone(first);
            RunAlone(second);
            RunAlone(third);
            return;
        }

        switch (width)
        {
            case SimdWidth.Vector512:
                GemmDriver<T, Vector512<T>, Simd512<T>>.RunTogether(first, second, third);
                break;
            case SimdWidth.Vector256:
                GemmDriver<T, Vector256<T>, Simd256<T>>.RunTogether(first, second, third);
                break;
            case SimdWidth.Vector128:
                GemmDriver<T, Vector128<T>, Simd128<T>>.RunTogether(first, second, third);
                break;
            default:
                GemmDriver<T, T, ScalarSimd<T>>.RunTogether(first, second, third);
                break;
        }
    }

    private static void Validate(scoped in GemmCall<T> call)
    {
        ArgumentNullException.ThrowIfNull(call.Packed);
        ValidateX(call.X, call.Rows, call.Packed.Depth, call.XStride);
        ValidateOffsets(call.Rows, call.Packed.Columns, call.Destination, call.RowOffsets, call.ColumnOffsets);
    }

    private static void RunAlone(scoped in GemmCall<T> call) =>
        RunPacked(call.Packed, call.X, call.Rows, call.XStride, call.Destination, call.RowOffsets, call.ColumnOffsets, 0);
}
