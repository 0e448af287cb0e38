using ILGPU;

namespace IvySharp.Gpu.Kernels.TensorCores;

/// <summary>Four fp32 values of one lane: its part of a 16 × 8 accumulator tile (c0…c3 of the PTX ISA).</summary>
internal struct Accumulator
{
    public float D0, D1, D2, D3;

    public static Accumulator operator +(Accumulator x, Accumulator y) => new() { D0 = x.D0 + y.D0, D1 = x.D1 + y.D1, D2 = x.D2 + y.D2, D3 = x.D3 + y.D3 };
}

/// <summary>One lane's A fragment: four 32-bit registers (a TF32 value each, or two float16 each).</summary>
internal struct FragmentA
{
    public uint A0, A1, A2, A3;
}

/// <summary>One lane's B fragment: two 32-bit registers.</summary>
internal struct FragmentB
{
    public uint B0, B1;
}

/// <summary>
/// Which element of a tile each lane's register holds, for <c>mma.sync.aligned.m16n8k8</c> (TF32) and
/// <c>m16n8k16</c> (float16), transcribed from the PTX ISA's fragment figures: lane = 4·groupID + threadInGroup.
/// The kernels build fragments with these; the C# form of the instruction (<see cref="MmaEmulation"/>) decodes
/// them with its own inverse, written separately, so the two are checked against each other by every run.
/// </summary>
internal static class MmaLayout
{
    /// <summary>TF32 A (16 × 8, row): register <paramref name="j"/> holds (g + 8·(j mod 2), t + 4·⌊j/2⌋).</summary>
    public static (int Row, int Col) Tf32A(int lane, int j) => ((lane >> 2) + (8 * (j & 1)), (lane & 3) + (4 * (j >> 1)));

    /// <summary>TF32 B (8 × 8, col): register <paramref name="j"/> holds (k = t + 4·j, n = g).</summary>
    public static (int K, int N) Tf32B(int lane, int j) => ((lane & 3) + (4 * j), lane >> 2);

    /// <summary>float16 A (16 × 16, row): register <paramref name="j"/> holds (g + 8·(j mod 2), 2t + 8·⌊j/2⌋) and the next column.</summary>
    public static (int Row, int Col) F16A(int lane, int j) => ((lane >> 2) + (8 * (j & 1)), (2 * (lane & 3)) + (8 * (j >> 1)));

    /// <summary>float16 B (16 × 8, col): register <paramref name="j"/> holds (k = 2t + 8·j, n = g) and k + 1.</summary>
    public static (int K, int N) F16B(int lane, int j) => ((2 * (lane & 3)) + (8 * j), lane >> 2);

    /// <summary>Accumulator (16 × 8): D<paramref name="j"/> is (g + 8·⌊j/2⌋, 2t + (j mod 2)), for both shapes.</summary>
    public static (int Row, int Col) C(int lane, int j) => ((lane >> 2) + (8 * (j >> 1)), (2 * (lane & 3)) + (j & 1));

    /// <summary>The TF32 bits of <paramref name="x"/> as <c>cvt.rna.tf32.f32</c> makes them: 10 mantissa bits, nearest, ties away from zero.</summary>
    public static uint ToTf32(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000) == 0x7F800000) return bits;   // ∞ and NaN pass unchanged
        return (bits + 0x1000) & 0xFFFFE000;
    }

    /// <summary>Two float16 values in one register, the first in the low half (the lower column or k).</summary>
    public static uint PackHalves(float low, float high) => HalfBits.FromFloat(low) | ((uint)HalfBits.FromFloat(high) << 16);
}
