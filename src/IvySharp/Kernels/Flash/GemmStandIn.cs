using System.Numerics;
using System.Numerics.Tensors;
using IvySharp.Internal;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// TEMPORARY stand-in for the packed GEMM being written on the <c>gemm</c> branch (same signature):
/// y = x·Wᵀ + b, one dot product per output element, scattered through row and column offsets.
/// Deleted when that branch is merged.
/// </summary>
internal static class Gemm<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>destination[rowOffsets[r] + columnOffsets[c]] = Σₖ x[r·xStride + k]·w[c·depth + k] + bias[c].</summary>
    public static unsafe void MultiplyTransposed(
        ReadOnlySpan<T> x, int rows, int depth, int xStride,
        ReadOnlySpan<T> w, int columns, ReadOnlySpan<T> bias,
        Span<T> destination, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> columnOffsets,
        KernelVariant variant)
    {
        _ = variant;
        fixed (T* px = x, pw = w, pb = bias, pd = destination)
        fixed (int* pr = rowOffsets, pc = columnOffsets)
        {
            var args = new Args(px, pw, pb, bias.IsEmpty, pd, pr, pc, depth, xStride, columns);
            ParallelPolicy.For(rows, 2L * depth * columns, args.Row);
        }
    }

    private sealed unsafe class Args(T* x, T* w, T* bias, bool noBias, T* destination, int* rowOffsets, int* columnOffsets, int depth, int xStride, int columns)
    {
        public void Row(int r)
        {
            var xs = new ReadOnlySpan<T>(x + ((long)r * xStride), depth);
            for (int c = 0; c < columns; c++)
            {
                T y = TensorPrimitives.Dot(xs, new ReadOnlySpan<T>(w + ((long)c * depth), depth));
                if (!noBias) y += bias[c];
                destination[rowOffsets[r] + columnOffsets[c]] = y;
            }
        }
    }
}
