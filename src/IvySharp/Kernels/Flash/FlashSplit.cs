using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Internal;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// Attention split over keys ("flash-decoding") for calls with few query blocks and many keys (decode:
/// L = 1, S = 65536): each chunk of keys yields a partial (row max m, row sum l, unnormalised outᵀ); the
/// partials of a block are then merged in chunk order, rescaled to the common maximum. The chunking is a
/// function of the shape, so the bits do not depend on the thread count.
/// </summary>
internal static class FlashSplit<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Below this many key columns per chunk, splitting keys costs more in merging than it gains.</summary>
    private const int MinChunkKeys = 1024;

    /// <summary>Items the key split aims for: enough to balance any thread count up to 64 without depending on it.</summary>
    private const int TargetItems = 64;

    /// <summary>Keys per chunk when splitting over keys pays (few blocks, many keys), else 0. A function of the shape only.</summary>
    public static int ChunkKeys(int blocks, int keys, int tileColumns)
    {
        if (blocks >= TargetItems / 2 || keys < 2 * MinChunkKeys) return 0;
        int chunks = Math.Min((TargetItems + blocks - 1) / blocks, keys / MinChunkKeys);
        int perChunk = (keys + chunks - 1) / chunks;
        return (perChunk + tileColumns - 1) / tileColumns * tileColumns;
    }

    /// <summary>Computes chunk <c>item</c> (block-major, chunk-minor) into its partial: m (rows), l (rows), outᵀ (d × rows).</summary>
    public delegate void ChunkBody(int item, Span<T> partial);

    public static void Run(CoreProblem<T> p, int blocks, int chunks, int chunkKeys, int blockRows, ChunkBody body)
    {
        int partialSize = (2 + p.D) * blockRows;
        int blockCount = p.N * p.H * blocks;
        T[] partials = ArrayPool<T>.Shared.Rent(blockCount * chunks * partialSize);
        try
        {
            ParallelPolicy.For(blockCount * chunks, 4L * blockRows * chunkKeys * p.D, item =>
                body(item, partials.AsSpan(item * partialSize, partialSize)));
            ParallelPolicy.For(blockCount, (long)chunks * partialSize * 4, block =>
                Merge(p, block / blocks, block % blocks, blockRows, partials.AsSpan(block * chunks * partialSize, chunks * partialSize), chunks));
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partials);
        }
    }

    private static void Merge(CoreProblem<T> p, int nh, int qb, int blockRows, ReadOnlySpan<T> partials, int chunks)
    {
        int n = nh / p.H, h = nh % p.H, d = p.D, i0 = qb * blockRows, rows = Math.Min(blockRows, p.L - i0);
        int partialSize = (2 + d) * blockRows;
        Span<T> weights = chunks <= 256 ? stackalloc T[chunks] : new T[chunks];
        p.Attended.AssertCovers(n, h, i0, rows, d, "attended rows");
        Debug.Assert(partials.Length >= chunks * partialSize, "partials shorter than the block's chunks");
        ref T row = ref Unsafe.Add(ref p.Attended.At(n, h), i0 * p.Attended.RowStride);
        for (int r = 0; r < rows; r++, row = ref Unsafe.Add(ref row, p.Attended.RowStride))
        {
            T max = T.NegativeInfinity;
            for (int c = 0; c < chunks; c++)
            {
                T m = partials[(c * partialSize) + r];
                if (m > max || T.IsNaN(m)) max = m;
            }

            // A row masked in every chunk has max −∞: the rules' shift is then 0 and its sum stays 0.
            T shift = RowRules<T, T, ScalarSimd<T>>.SoftmaxShift(max);
            T sum = T.Zero;
            for (int c = 0; c < chunks; c++)
            {
                weights[c] = T.Exp(partials[(c * partialSize) + r] - shift);
                sum += partials[(c * partialSize) + blockRows + r] * weights[c];
            }

            T factor = RowRules<T, T, ScalarSimd<T>>.Normalizer(sum);
            for (int col = 0; col < d; col++)
            {
                T acc = T.Zero;
                for (int c = 0; c < chunks; c++)
                {
                    acc += partials[(c * partialSize) + ((2 + col) * blockRows) + r] * weights[c];
                }

                Unsafe.Add(ref row, col) = sum == T.Zero ? T.Zero : acc * factor;
            }

            FlashGuards<T>.CheckSum(p, n, h, i0 + r, sum);
            FlashGuards<T>.CheckRow(p, n, h, i0 + r, ref row, d);
        }
    }
}
