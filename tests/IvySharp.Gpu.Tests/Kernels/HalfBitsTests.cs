using IvySharp.Gpu.Kernels;

namespace IvySharp.Gpu.Tests.Kernels;

/// <summary>The device's float16 conversions agree bit for bit with .NET's <see cref="Half"/>.</summary>
public sealed class HalfBitsTests
{
    [Fact]
    public void Every_half_widens_to_the_same_float_as_System_Half()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float actual = HalfBits.ToFloat((ushort)bits);
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual)),
                $"half bits 0x{bits:X4}: {actual} vs {expected}");
        }
    }

    [Fact]
    public void Floats_round_to_the_same_half_as_System_Half_ties_and_edges_included()
    {
        var random = new Random(14);
        var samples = new List<float> { 0f, -0f, 65504f, 65519.99f, 65520f, 1e-8f, 2.98e-8f, 2.9802322e-8f, 5.96e-8f, 6.1e-5f, float.Epsilon, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN };

        // Every half's neighbourhood: the half itself, the midpoints to its neighbours (ties), and one float ulp around them.
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)bits), next = (float)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float middle = (value + next) / 2;
            samples.AddRange([value, middle, MathF.BitIncrement(middle), MathF.BitDecrement(middle), -middle]);
        }

        for (int i = 0; i < 200_000; i++) samples.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        foreach (float f in samples)
        {
            ushort expected = BitConverter.HalfToUInt16Bits((Half)f), actual = HalfBits.FromFloat(f);
            bool bothNaN = float.IsNaN(f) && Half.IsNaN(BitConverter.UInt16BitsToHalf(actual));
            Assert.True(expected == actual || bothNaN, $"float {f:R} (0x{BitConverter.SingleToUInt32Bits(f):X8}): 0x{actual:X4} vs 0x{expected:X4}");
        }
    }
}
