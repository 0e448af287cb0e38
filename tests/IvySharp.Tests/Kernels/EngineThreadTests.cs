using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// One and two threads give the same bits: work items, tiles and key chunks are functions of the shape,
/// the head-averaged weights have one owner per (sample, block), split keys merge in chunk order, and
/// paired blocks (long keys) see the same tiles in the same order as alone.
/// The shapes are large enough that the parallel path really runs.
/// </summary>
public sealed class EngineThreadTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (KernelVariant variant in EngineVersusPlainTests.EngineVariants())
        {
            for (int i = 0; i < Shapes.Length; i++) data.Add(variant.ToString(), i);
        }

        return data;
    }

    private static readonly CallShape[] Shapes =
    [
        new() { N = 2, L = 130, S = 130, H = 4, D = 16, Projection = Projection.PackedSelf },
        new() { N = 1, L = 1, S = 8192, H = 4, D = 32, Projection = Projection.None, StaticKeys = true, OutProjection = false, Padding = PaddingKind.Bool },
        new() { N = 2, L = 70, S = 90, H = 3, D = 16, Weights = WeightsKind.Averaged, Dropout = 0.2, Mask = MaskKind.Bool3D, Seed = 5 },
        new() { N = 2, L = 100, S = 100, H = 2, D = 24, Causal = true, Weights = WeightsKind.PerHead, ZeroToken = true, BatchFirst = false },
        new() { N = 1, L = 200, S = 700, H = 2, D = 64, Causal = true, Padding = PaddingKind.Float, Projection = Projection.None, OutProjection = false },
    ];

    [Theory, MemberData(nameof(Cases))]
    public void One_and_two_threads_give_identical_bits(string variant, int index)
    {
        KernelVariant v = KernelVariant.Parse(variant);
        MhaCall call = Shapes[index].Build();
        var one = Pinned.Run(call, v, threads: 1);
        var two = Pinned.Run(call, v, threads: 2);
        Assert.Equal(one.Output.ToArray<float>(), two.Output.ToArray<float>());
        Assert.Equal(one.Weights?.ToArray<float>(), two.Weights?.ToArray<float>());
    }
}
