using System.Buffers;
using System.Numerics;
using IvySharp.Internal;
using IvySharp.Kernels.Simd;

namespace IvySharp.Kernels.Gemm;

/// <summary>
/// W (columns, depth; row-major, as PyTorch stores a Linear's weight) and its bias, prepared once for one
/// kernel variant so <see cref="Gemm{T}.Run(PackedWeights{T}, ReadOnlySpan{T}, int, int, Span{T}, int)"/> can
/// multiply any number of x by it without packing again. Immutable once made: calls may share it across threads.
/// </summary>
/// <remarks>
/// <para>For a tiled variant W is packed into the k-major column panels of <see cref="GemmPanels"/> for one
/// SIMD width (the variant's, or the next narrower one this processor runs), and the bias is padded to whole
/// panels and followed by a panel of zeros. The layout depends on W's shape and the width only, never on x
/// or the thread count. The panels are only meaningful to that width: running them through another is an
/// <see cref="ArgumentException"/> (<see cref="GemmDriver{T, TVector, TSimd}"/>), not a silent repack;
/// pack again for another variant. For the plain variant the object holds copies of W and the bias as given
/// (<see cref="GemmSimple{T}"/> reads W row by row).</para>
/// <para><see cref="Gemm{T}.MultiplyTransposed(ReadOnlySpan{T}, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, Span{T}, int, KernelVariant)"/>
/// packs into pooled arrays on every call and returns them at the end: see <see cref="Gemm{T}"/> for why a
/// caller's W is not cached behind its back.</para>
/// </remarks>
internal sealed unsafe class PackedWeights<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool _pooled;

    private PackedWeights(AttentionAlgorithm algorithm, SimdWidth width, int columns, int depth, bool hasBias, GemmPanels layout, T[] weights, long weightsLength, T[] bias, int biasLength, bool pooled)
    {
        Algorithm = algorithm;
        Width = width;
        Columns = columns;
        Depth = depth;
        HasBias = hasBias;
        Layout = layout;
        Weights = weights;
        WeightsLength = weightsLength;
        Bias = bias;
        BiasLength = biasLength;
        _pooled = pooled;
    }

    /// <summary>Plain (W as given) or tiled (packed panels).</summary>
    public AttentionAlgorithm Algorithm { get; }

    /// <summary>The width the panels were packed for (<see cref="SimdWidth.Scalar"/> for the plain variant).</summary>
    public SimdWidth Width { get; }

    /// <summary>Columns of W: output features.</summary>
    public int Columns { get; }

    /// <summary>Elements per column of W: the summed dimension, which x's rows must have.</summary>
    public int Depth { get; }

    /// <summary>Whether a bias was given (tiled variants add zeros otherwise).</summary>
    public bool HasBias { get; }

    /// <summary>The panels (tiled variants only).</summary>
    internal GemmPanels Layout { get; }

    /// <summary>The packed panels (tiled), or a copy of W (plain). A pooled array may be longer than <see cref="WeightsLength"/>.</summary>
    internal T[] Weights { get; }

    /// <summary>Elements of <see cref="Weights"/> in use.</summary>
    internal long WeightsLength { get; }

    /// <summary>Tiled: the bias (or zeros) padded to whole panels, then a panel of zeros. Plain: the bias as given, or empty.</summary>
    internal T[] Bias { get; }

    /// <summary>Elements of <see cref="Bias"/> in use.</summary>
    internal int BiasLength { get; }

    /// <summary>The plain variant's copies of W and the bias (arguments already validated).</summary>
    internal static PackedWeights<T> Plain(ReadOnlySpan<T> w, int columns, int depth, ReadOnlySpan<T> bias)
    {
        T[] weights = w[..(columns * depth)].ToArray();
        T[] biasCopy = bias.IsEmpty ? [] : bias[..columns].ToArray();
        return new(AttentionAlgorithm.Plain, SimdWidth.Scalar, columns, depth, !bias.IsEmpty, default, weights, weights.Length, biasCopy, biasCopy.Length, pooled: false);
    }

    /// <summary>
    /// Packs W and the bias for <typeparamref name="TSimd"/> (arguments already validated). Pooled arrays are
    /// for one call's use only and go back with <see cref="ReturnToPool"/>.
    /// </summary>
    internal static PackedWeights<T> Pack<TVector, TSimd>(ReadOnlySpan<T> w, int columns, int depth, ReadOnlySpan<T> bias, bool pooled)
        where TVector : struct
        where TSimd : ISimd<T, TVector>
    {
        var layout = new GemmPanels(columns, depth, GemmShape.Of<T, TVector, TSimd>());
        long length = layout.PackedLength;

        // Padded panels can outgrow W itself (the last one is rounded up to whole registers).
        if (length > Array.MaxLength) throw new ArgumentException("W is too large to pack.", nameof(w));

        T[] weights = pooled ? ArrayPool<T>.Shared.Rent((int)Math.Max(1, length)) : GC.AllocateUninitializedArray<T>((int)Math.Max(1, length));
        T[] paddedBias = PadBias(bias, columns, layout, pooled, out int biasLength);

        fixed (T* pw = w, pp = weights)
        {
            // The scalar width's register is the element itself: it never touches SIMD, its packing included.
            var packer = new Packer(pw, w.Length, pp, length, layout, vectorized: typeof(TVector) != typeof(T));

            // Packing moves about one element per cycle, a GEMM does ~2·rows flops per element moved: charge it as 4.
            ParallelPolicy.For(layout.Count, 4L * layout.PanelWidth * depth, packer);
        }

        return new(AttentionAlgorithm.Tiled, TSimd.Width, columns, depth, !bias.IsEmpty, layout, weights, length, paddedBias, biasLength, pooled);
    }

    /// <summary>
    /// The bias as the tiled kernels read it: [0, padded columns) the bias (or zeros), zero-padded to whole panels;
    /// then a panel of zeros, the "bias" of every k block but the last. Pooled arrays go back to
    /// <see cref="ArrayPool{T}.Shared"/> when the call is done.
    /// </summary>
    internal static T[] PadBias(ReadOnlySpan<T> bias, int columns, GemmPanels layout, bool pooled, out int length)
    {
        length = layout.PaddedColumns + layout.PanelWidth;
        T[] padded = pooled ? ArrayPool<T>.Shared.Rent(length) : new T[length];
        if (pooled) padded.AsSpan(0, length).Clear();
        if (!bias.IsEmpty) bias[..columns].CopyTo(padded);
        return padded;
    }

    /// <summary>Gives pooled arrays back (a no-op for owned ones); the object must not be used afterwards.</summary>
    internal void ReturnToPool()
    {
        if (!_pooled) return;
        ArrayPool<T>.Shared.Return(Weights);
        ArrayPool<T>.Shared.Return(Bias);
    }

    /// <summary>
    /// Packs one panel per work item. Holds raw pointers because the thread pool's delegates cannot capture
    /// spans; the lengths beside them are read only by the Debug bounds checks.
    /// </summary>
    private readonly struct Packer(T* w, long wLength, T* panels, long panelsLength, GemmPanels layout, bool vectorized) : IParallelItems
    {
        public void Run(int panel)
        {
            int start = layout.Start(panel), width = layout.VectorsOf(panel) * layout.Lanes, columns = layout.ColumnsOf(panel);
            T* source = w + ((long)start * layout.Depth), target = panels + ((long)start * layout.Depth);
            GemmBounds.Inside(source, (long)columns * layout.Depth, w, wLength, "W panel");
            GemmBounds.Inside(target, (long)layout.Depth * width, panels, panelsLength, "packed W panel");
            GemmPacking<T>.Transpose(source, layout.Depth, columns, layout.Depth, target, width, vectorized);
        }
    }
}
