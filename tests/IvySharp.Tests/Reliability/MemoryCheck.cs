using System.Numerics.Tensors;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 5: allocation per call. Used by <see cref="MemoryTests"/> and by
/// <c>tools/Fuzz --memory</c> (100,000 calls per workload).
/// </summary>
public static class MemoryCheck
{
    /// <summary>A typical call, and the bytes its returned arrays hold (what any implementation must allocate).</summary>
    public sealed record Workload(string Name, MhaCall Call, long ResultBytes);

    /// <summary>The workloads whose bytes per call the reports quote.</summary>
    public static IReadOnlyList<Workload> Typical()
    {
        var r = new Random(5);
        IvyArray U(DType dtype, params int[] shape) =>
            A.F(dtype, Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (2 * r.NextDouble()) - 1).ToArray(), shape);

        // Column-major (2, 16, 16) float32 query: a strided Tensor view the library must read through its strides.
        float[] strided = Enumerable.Range(0, 512).Select(_ => (float)((2 * r.NextDouble()) - 1)).ToArray();
        IvyArray stridedQuery = Tensor.Create(strided, 0, [2, 16, 16], [1, 2, 32]);

        return
        [
            new("encoder step f32 N=2 L=16 E=32 H=4, packed in/out projection, @out given",
                new MhaCall { Query = U(DType.Float32, 2, 16, 32), NumHeads = 4, InProjWeights = U(DType.Float32, 96, 32), InProjBias = U(DType.Float32, 96),
                    OutProjWeights = U(DType.Float32, 32, 32), OutProjBias = U(DType.Float32, 32), Out = IvyArray.Zeros(DType.Float32, 2, 16, 32) },
                0),
            new("cross-attention f32 N=2 L=16 S=32 E=32 H=4, causal + key padding, averaged weights",
                new MhaCall { Query = U(DType.Float32, 2, 16, 32), Key = U(DType.Float32, 2, 32, 32), Value = U(DType.Float32, 2, 32, 32), NumHeads = 4,
                    IsCausal = true, KeyPaddingMask = A.B(Enumerable.Range(0, 64).Select(i => i % 5 == 0).ToArray(), 2, 32), ReturnAttentionWeights = true },
                (2 * 16 * 32 * 4) + (2 * 16 * 32 * 4)),
            new("small f64 L=8 E=8 H=2, no projection",
                new MhaCall { Query = U(DType.Float64, 8, 8), NumHeads = 2 },
                8 * 8 * 8),
            new("f16 N=2 L=32 E=64 H=8, packed projection + bias, float mask, @out f16",
                new MhaCall { Query = U(DType.Float16, 2, 32, 64), NumHeads = 8, InProjWeights = U(DType.Float16, 192, 64), InProjBias = U(DType.Float16, 192),
                    AttentionMask = U(DType.Float32, 32, 32), Out = IvyArray.Zeros(DType.Float16, 2, 32, 64) },
                0),
            new("f32 column-major strided query view (2, 16, 16), H=2",
                new MhaCall { Query = stridedQuery, NumHeads = 2 },
                2 * 16 * 16 * 4),
        ];
    }

    /// <summary>
    /// Bytes allocated per call on the calling thread, with the call pinned to one thread (so nothing is
    /// allocated on pool threads the counter cannot see) and to <paramref name="variant"/>.
    /// </summary>
    public static double BytesPerCall(MhaCall call, string variant, int calls) => BytesPerCall(() => call.Invoke(), variant, calls);

    /// <summary>As <see cref="BytesPerCall(MhaCall, string, int)"/>, for any call (a layer's forward).</summary>
    public static double BytesPerCall(Action call, string variant, int calls)
    {
        using (KernelVariants.Use(variant, threads: 1))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) call();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
        }
    }

    /// <summary>
    /// Bytes allocated per call process-wide (<see cref="GC.GetTotalAllocatedBytes"/>, precise), threads not
    /// pinned, so calls that go parallel count what their pool threads allocate too. Only meaningful when
    /// nothing else runs in the process (the console tool, not the parallel unit suite).
    /// </summary>
    public static double BytesPerCallAllThreads(MhaCall call, string variant, int calls)
    {
        using (KernelVariants.Use(variant))
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < calls; i++) call.Invoke();
            return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)calls;
        }
    }
}
