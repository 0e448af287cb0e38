using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Kernels;

/// <summary>
/// Every tiled variant against the plain path (<see cref="KernelVariant.Simple"/>) on random calls with
/// odd shapes and every option. Tolerance, normwise (relative to max(1, largest |plain| of the array)):
/// float32 1e-5 (the engine sums in another order, fuses the scale into an FMA and uses its own exp; on
/// these inputs each path alone is up to ~1e-5 from a float64 run), float64 1e-12,
/// float16 2e-3 (both round float32 results to float16; a value near a rounding boundary may land on
/// either neighbour, 1 ulp = 2⁻¹⁰ relative). Dropout decisions must match exactly: a weight is zero in
/// one path exactly when it is zero in the other.
/// </summary>
public sealed class EngineVersusPlainTests
{
    internal static readonly CallShape[] Shapes =
        [
        new() { N = 1, L = 1, S = 1, H = 1, D = 1, Projection = Projection.None, OutProjection = false },
        new() { L = 3, S = 17, H = 2, D = 3, Mask = MaskKind.Bool2D, Padding = PaddingKind.Bool },
        new() { L = 17, S = 63, H = 3, D = 8, Projection = Projection.Separate, Mask = MaskKind.Float3D, Padding = PaddingKind.Float, BiasTokens = true, ZeroToken = true },
        new() { L = 63, H = 2, D = 24, Projection = Projection.PackedSelf, Causal = true, Padding = PaddingKind.Bool },
        new() { L = 65, S = 257, H = 2, D = 64, Causal = true, ZeroToken = true },
        new() { N = 1, L = 257, S = 3, H = 1, D = 80, Projection = Projection.None, Mask = MaskKind.Bool3D },
        new() { L = 17, S = 17, H = 2, D = 8, StaticKeys = true, ZeroToken = true, Mask = MaskKind.Bool2D },
        new() { L = 17, S = 65, H = 3, D = 8, Dropout = 0.3, Weights = WeightsKind.Averaged, Seed = 7 },
        new() { L = 63, S = 17, H = 2, D = 3, Dropout = 0.5, Weights = WeightsKind.PerHead, Padding = PaddingKind.Bool, Seed = 8 },
        new() { L = 65, H = 2, D = 8, Projection = Projection.PackedSelf, Causal = true, BiasTokens = true, Weights = WeightsKind.Averaged },
        new() { L = 3, S = 257, H = 2, D = 24, Mask = MaskKind.Float3D, Weights = WeightsKind.PerHead },
        new() { L = 17, S = 17, H = 2, D = 8, Mask = MaskKind.Bool2D, Padding = PaddingKind.Bool, FullyMasked = true, Weights = WeightsKind.Averaged },
        new() { L = 17, S = 63, H = 2, D = 8, Mask = MaskKind.Float3D, FullyMasked = true, Weights = WeightsKind.PerHead, ZeroToken = true },
        new() { N = 3, L = 17, S = 63, H = 2, D = 8, BatchFirst = false, Padding = PaddingKind.Bool },
        new() { N = 3, L = 65, S = 17, H = 4, D = 3, BatchFirst = false, Projection = Projection.None, OutProjection = false, Causal = true },
        new() { N = 0, L = 63, H = 3, D = 8, Projection = Projection.PackedSelf, Weights = WeightsKind.Averaged, Padding = PaddingKind.Float },
        new() { N = 1, L = 1, S = 4096, H = 4, D = 16, StaticKeys = true, Projection = Projection.None, Padding = PaddingKind.Bool },
        new() { N = 1, L = 2, S = 3000, H = 2, D = 8, Padding = PaddingKind.Bool, ZeroToken = true, BiasTokens = true },
        new() { N = 1, L = 3, S = 2500, H = 2, D = 8, Causal = true, StaticKeys = true },
        new() { N = 2, L = 3, S = 300, H = 2, D = 32, Mask = MaskKind.Bool3D, Padding = PaddingKind.Float, BiasTokens = true, ZeroToken = true, Dropout = 0.2, Seed = 3 },
        new() { N = 1, L = 4, S = 5000, H = 2, D = 64, Causal = true, Padding = PaddingKind.Bool, ZeroToken = true, Dropout = 0.1, Seed = 4 },
        new() { N = 2, L = 1, S = 2100, H = 2, D = 16, Mask = MaskKind.Float3D, FullyMasked = true, Projection = Projection.None, OutProjection = false },
        new() { N = 1, L = 130, S = 600, H = 2, D = 64, Causal = true, Padding = PaddingKind.Bool, ZeroToken = true },
        new() { N = 1, L = 200, S = 600, H = 1, D = 64, Mask = MaskKind.Bool3D, BiasTokens = true, Projection = Projection.Separate },
        new() { DType = DType.Float64, L = 3, S = 17, H = 2, D = 3, Mask = MaskKind.Bool2D, Padding = PaddingKind.Bool },
        new() { DType = DType.Float64, L = 65, S = 257, H = 2, D = 64, Causal = true, ZeroToken = true },
        new() { DType = DType.Float64, L = 17, S = 65, H = 3, D = 8, Dropout = 0.3, Weights = WeightsKind.Averaged, Seed = 7 },
        new() { DType = DType.Float64, L = 17, S = 17, H = 2, D = 8, Mask = MaskKind.Bool2D, Padding = PaddingKind.Bool, FullyMasked = true, Weights = WeightsKind.PerHead },
        new() { DType = DType.Float64, N = 1, L = 1, S = 4096, H = 2, D = 24, StaticKeys = true, Projection = Projection.None },
        new() { DType = DType.Float16, L = 17, S = 63, H = 3, D = 8, Projection = Projection.Separate, Mask = MaskKind.Float3D, BiasTokens = true, ZeroToken = true },
        new() { DType = DType.Float16, L = 63, H = 2, D = 24, Projection = Projection.PackedSelf, Causal = true, Weights = WeightsKind.Averaged },
        ];

    /// <summary>(variant, index into <see cref="Shapes"/>, the shape's description for the test name).</summary>
    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (KernelVariant variant in EngineVariants())
        {
            for (int i = 0; i < Shapes.Length; i++) data.Add(variant.ToString(), i, Shapes[i].ToString());
        }

        return data;
    }

    internal static IEnumerable<KernelVariant> EngineVariants() =>
        new[] { KernelVariant.Scalar, KernelVariant.Vector128, KernelVariant.Vector256, KernelVariant.Vector512 }
            .Where(KernelSelector.IsSupported);

    [Theory, MemberData(nameof(Cases))]
    public void Engine_matches_the_plain_path(string variant, int index, string description)
    {
        CallShape shape = Shapes[index];
        Assert.Equal(description, shape.ToString());
        MhaCall call = shape.Build();
        var plain = Pinned.Run(call, KernelVariant.Simple);
        var engine = Pinned.Run(call, KernelVariant.Parse(variant));

        double tolerance = Tolerance(shape.DType);
        AssertClose(plain.Output, engine.Output, tolerance, "output");
        if (shape.Weights == WeightsKind.None)
        {
            Assert.Null(engine.Weights);
            return;
        }

        AssertClose(plain.Weights!, engine.Weights!, tolerance, "weights");
        if (shape.Dropout > 0)
        {
            double[] expected = A.D(plain.Weights!), actual = A.D(engine.Weights!);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i] == 0, actual[i] == 0);
        }
    }

    internal static double Tolerance(DType dtype) => dtype switch
    {
        DType.Float64 => 1e-12,
        DType.Float16 => 2e-3,
        _ => 1e-5,
    };

    internal static void AssertClose(IvyArray expected, IvyArray actual, double tolerance, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        double[] e = A.D(expected), a = A.D(actual);
        double norm = Math.Max(1, e.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max());
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]))
            {
                Assert.True(double.IsNaN(a[i]), $"{what}[{i}]: expected NaN, got {a[i]}");
                continue;
            }

            double error = Math.Abs(a[i] - e[i]);
            Assert.True(error <= tolerance * norm, $"{what}[{i}]: plain {e[i]:R}, engine {a[i]:R}, error {error:E2}");
        }
    }
}
