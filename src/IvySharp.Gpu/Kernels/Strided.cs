namespace IvySharp.Gpu.Kernels;

/// <summary>
/// Where element (n, h, t, c) of q, k, v or the attended rows lives in a flat device array:
/// <c>Offset + n·Sample + h·Head + t·Row + c</c> (the GPU twin of the CPU's <c>StridedBuffer</c>). Head-major
/// scratch, inputs read in place (batch-first, sequence-first) and the output layouts are all of this form.
/// </summary>
internal readonly record struct Strided(int Offset, int Sample, int Head, int Row)
{
    /// <summary>The position of element (n, h, t, 0).</summary>
    public int At(int n, int h, int t) => Offset + (n * Sample) + (h * Head) + (t * Row);

    /// <summary>Head-major (N, H, tokens, d), the layout of the projection scratch.</summary>
    public static Strided HeadMajor(int heads, int tokens, int d) => new(0, heads * tokens * d, tokens * d, d);

    /// <summary>
    /// Token rows of <paramref name="width"/> features in a call's layout — (N, tokens, width) or, sequence first,
    /// (tokens, N, width) — with head h at features [h·d, (h+1)·d).
    /// </summary>
    public static Strided TokenRows(bool sequenceFirst, int n, int tokens, int width, int d) =>
        sequenceFirst ? new(0, width, d, n * width) : new(0, tokens * width, d, width);
}
