using System.Numerics;
using System.Runtime.CompilerServices;
using IvySharp.Internal;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Rules;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// The tiled attention core (flash-style online softmax) for one SIMD width and block height. A work
/// item is one (sample, head, block of query rows) — or, for the head-averaged weights, one (sample, block)
/// across all heads, so the sums over heads have a single owner and a fixed order — or, when there are
/// few rows and many keys, one chunk of keys of such a block, merged afterwards in chunk order. Tile and
/// chunk boundaries depend only on the shape, never on the thread count, so every thread count gives
/// the same bits. Weights, when returned, come from a second sweep of the scores with the final row
/// statistics (exact softmax), written straight into the returned layout.
/// </summary>
/// <remarks>
/// Sizes: a block is R registers of rows (R·W rows, W the lanes). A key tile has
/// <see cref="TileColumns"/> keys, chosen so the scores tile (keys × rows) fills 16 KiB, half of Zen 4's
/// 32 KiB L1d, next to the rows of qᵀ and outᵀ the micro-kernels stream; the K and V tiles (keys × d) and
/// qᵀ/outᵀ (d × rows) stay in the 1 MiB L2 for any d up to several hundred.
/// </remarks>
internal static partial class FlashCore<T, TVector, TSimd, TRows>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct
    where TSimd : ISimd<T, TVector>
    where TRows : ICount
{
    private const int ScoresTileBytes = 16 * 1024;

    /// <summary>
    /// Most raw scores a block keeps for its weights sweep (a block's rows × S′): at most a quarter of a 1 MiB L2, next to
    /// the head's K and V, so reading them back is an L2 hit, never slower than recomputing q·k. Longer rows recompute.
    /// </summary>
    private const long KeptScoresBytes = 256 * 1024;

    /// <summary>Above this much K and V per head (a quarter of Zen 4's 1 MiB L2), blocks are processed in pairs.</summary>
    private const long PairedKeyValueBytes = 256 * 1024;

    private enum Pass
    {
        Online,
        Statistics,
        Normalized,
    }

    public static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TRows.Value * TSimd.Count;
    }

    public static int TileColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Math.Clamp(ScoresTileBytes / (BlockRows * Unsafe.SizeOf<T>()) / 4 * 4, 16, 256);
    }

    /// <summary>The attention output and, when the call returns them, the weights.</summary>
    public static void Run(CoreProblem<T> p)
    {
        int br = BlockRows, bc = TileColumns, blocks = (p.L + br - 1) / br;
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, br, bc);
        long flopsPerBlock = 4L * br * p.SPrime * p.D;
        int chunkKeys = FlashSplit<T>.ChunkKeys(p.N * p.H * blocks, p.S, bc);
        int chunks = chunkKeys == 0 ? 1 : (p.S + chunkKeys - 1) / chunkKeys;
        if (chunks > 1)
        {
            RunSplit(p, masks, blocks, chunks, chunkKeys);
            if (p.Weights is not null) WeightsOnly(p, masks);
            return;
        }

        if (p.Weights is null && blocks > 1 && 2L * p.SPrime * p.D * Unsafe.SizeOf<T>() > PairedKeyValueBytes)
        {
            RunPaired(p, masks, blocks, flopsPerBlock);
            return;
        }

        // The weights reuse the online pass's row statistics: one more sweep of scores, no second P·V.
        // The output comes from the very same arithmetic as without weights, so its bits don't change.
        ForEachBlock(p, blocks, flopsPerBlock * (p.Weights is null ? 2 : 3) / 2, new BlockPass(p, masks, weightsOnly: false));
    }

    /// <summary>Few rows against many keys: each block's keys in chunks, merged in chunk order (<see cref="FlashSplit{T}"/>).</summary>
    private static void RunSplit(CoreProblem<T> p, FlashMasks<T> masks, int blocks, int chunks, int chunkKeys)
    {
        int br = BlockRows, bc = TileColumns;
        FlashSplit<T>.Run(p, blocks, chunks, chunkKeys, br, (item, partial) =>
        {
            int chunk = item % chunks, block = item / chunks, qb = block % blocks, nh = block / blocks;
            using var ws = Workspace.Rent(p.D, br, bc);
            PackQuery(p, nh / p.H, nh % p.H, qb, ws);
            int first = chunk * chunkKeys, last = Math.Min(p.S, first + chunkKeys);
            Sweep(p, masks, nh / p.H, nh % p.H, qb, first, last, extras: chunk == chunks - 1, Pass.Online, ws);
            ws.RowMax.CopyTo(partial);
            ws.RowSum.CopyTo(partial[br..]);
            ws.OutT.CopyTo(partial[(2 * br)..]);
        });
    }

    /// <summary>K/V of a head larger than L2 can hold next to the tiles: two blocks share each K/V tile read.</summary>
    private static void RunPaired(CoreProblem<T> p, FlashMasks<T> masks, int blocks, long flopsPerBlock) =>
        ParallelPolicy.For(p.N * p.H * ((blocks + 1) / 2), 2 * flopsPerBlock, new PairedItems(p, masks, blocks));

    /// <summary>One item per (sample, head, pair of blocks); a struct, so the call allocates no closure or delegate.</summary>
    private readonly struct PairedItems(CoreProblem<T> p, FlashMasks<T> masks, int blocks) : IParallelItems
    {
        public void Run(int item)
        {
            int br = BlockRows, bc = TileColumns, pairs = (blocks + 1) / 2;
            int qb = item % pairs * 2, nh = item / pairs, n = nh / p.H, h = nh % p.H;
            using var first = Workspace.Rent(p.D, br, bc);
            if (qb + 1 == blocks)
            {
                PackQuery(p, n, h, qb, first);
                Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Online, first);
                Finish(p, n, h, qb, first);
                return;
            }

            using var second = Workspace.Rent(p.D, br, bc);
            PackQuery(p, n, h, qb, first);
            PackQuery(p, n, h, qb + 1, second);
            Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Online, [first, second]);
            Finish(p, n, h, qb, first);
            Finish(p, n, h, qb + 1, second);
        }
    }

    /// <summary>Only the weights, for calls whose output came from another route (the narrow core or the key split).</summary>
    public static void WeightsOnly(CoreProblem<T> p)
    {
        int br = BlockRows, bc = TileColumns;
        using var masks = FlashMasks<T>.Build(p.AttentionMask, p.KeyPaddingMask, p.N, p.H, p.L, p.S, br, bc);
        WeightsOnly(p, masks);
    }

    private static void WeightsOnly(CoreProblem<T> p, FlashMasks<T> masks) =>
        ForEachBlock(p, (p.L + BlockRows - 1) / BlockRows, 2L * BlockRows * p.SPrime * p.D, new BlockPass(p, masks, weightsOnly: true));

    /// <summary>
    /// Runs <paramref name="pass"/> for every (sample, head, block). With head-averaged weights one item owns
    /// a (sample, block) across all heads, adds them in head order and divides by H: race-free and deterministic.
    /// </summary>
    private static void ForEachBlock(CoreProblem<T> p, int blocks, long flopsPerBlock, BlockPass pass)
    {
        bool average = p.Weights is not null && p.AverageWeights;
        ParallelPolicy.For(p.N * (average ? 1 : p.H) * blocks, flopsPerBlock * (average ? p.H : 1), new BlockItems(p, blocks, average, pass));
    }

    /// <summary>What one block goes through: the online pass and write-back (then the weights sweep, when asked), or the weights alone.</summary>
    private readonly struct BlockPass(CoreProblem<T> p, FlashMasks<T> masks, bool weightsOnly)
    {
        public void Run(int n, int h, int qb, Workspace ws)
        {
            PackQuery(p, n, h, qb, ws);
            if (p.Weights is not null) ws.KeepScores(p.SPrime);
            if (weightsOnly)
            {
                Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Statistics, ws);
                WeightsSweep(p, masks, n, h, qb, ws);
                return;
            }

            Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Online, ws);
            Finish(p, n, h, qb, ws);
            if (p.Weights is not null) WeightsSweep(p, masks, n, h, qb, ws);
        }
    }

    /// <summary>The items of <see cref="ForEachBlock"/> as a struct body: a call that stays on the caller's thread allocates nothing here.</summary>
    private readonly struct BlockItems(CoreProblem<T> p, int blocks, bool average, BlockPass pass) : IParallelItems
    {
        public void Run(int item)
        {
            int qb = item % blocks, rest = item / blocks;
            using var ws = Workspace.Rent(p.D, BlockRows, TileColumns);
            if (!average)
            {
                pass.Run(rest / p.H, rest % p.H, qb, ws);
                return;
            }

            for (int h = 0; h < p.H; h++) pass.Run(rest, h, qb, ws);
            AverageRows(p, rest, qb);
        }
    }

    /// <summary>The exact weights exp(s − m)/l of a block from its finished row statistics, written in the returned layout.</summary>
    private static void WeightsSweep(CoreProblem<T> p, FlashMasks<T> masks, int n, int h, int qb, Workspace ws)
    {
        for (int r = 0; r < BlockRows; r++) ws.InverseSum[r] = RowRules<T, TVector, TSimd>.Normalizer(ws.RowSum[r]);
        for (int r = 0, rows = Math.Min(BlockRows, p.L - (qb * BlockRows)); r < rows; r++) FlashGuards<T>.CheckSum(p, n, h, (qb * BlockRows) + r, ws.RowSum[r]);
        Sweep(p, masks, n, h, qb, 0, p.S, extras: true, Pass.Normalized, ws);
    }
}
