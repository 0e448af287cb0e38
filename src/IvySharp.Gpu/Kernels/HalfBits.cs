using ILGPU;

namespace IvySharp.Gpu.Kernels;

/// <summary>
/// IEEE binary16 ↔ binary32 on raw bits, in plain integer code every ILGPU backend compiles (float16 arrays live
/// on the device as their 16 bits). Rounding is to nearest, ties to even, as <c>(Half)float</c> on the host.
/// </summary>
internal static class HalfBits
{
    /// <summary>The float equal to the half with bits <paramref name="h"/> (exact).</summary>
    public static float ToFloat(ushort h)
    {
        uint sign = (uint)(h & 0x8000) << 16;
        uint exponent = (uint)(h >> 10) & 0x1F;
        uint mantissa = (uint)h & 0x3FF;
        if (exponent == 0)
        {
            // Zero or subnormal: mantissa · 2⁻²⁴, exact in float.
            float magnitude = mantissa * 5.9604644775390625e-8f;
            return sign != 0 ? -magnitude : magnitude;
        }

        uint bits = exponent == 31
            ? sign | 0x7F800000u | (mantissa << 13)
            : sign | ((exponent + 112) << 23) | (mantissa << 13);
        return Interop.IntAsFloat(bits);
    }

    /// <summary>The bits of <paramref name="f"/> rounded to the nearest half (ties to even; overflow to ±∞, NaN stays NaN).</summary>
    public static ushort FromFloat(float f)
    {
        uint x = Interop.FloatAsInt(f);
        uint sign = (x >> 16) & 0x8000;
        uint magnitude = x & 0x7FFFFFFF;
        if (magnitude > 0x7F800000) return (ushort)(sign | 0x7E00 | ((magnitude >> 13) & 0x3FF));
        if (magnitude >= 0x477FF000) return (ushort)(sign | 0x7C00);   // ≥ 65520 rounds to ∞ (∞ itself too)
        if (magnitude <= 0x33000000) return (ushort)sign;               // ≤ 2⁻²⁵ rounds to 0 (the tie goes to even 0)
        uint result, remainder, halfway;
        if (magnitude < 0x38800000)
        {
            // Subnormal half: the count of 2⁻²⁴ units is m·2^(e−126), a right shift by 126 − e (14 to 24).
            uint exponent = magnitude >> 23;
            uint mantissa = (magnitude & 0x7FFFFF) | 0x800000;
            int shift = 126 - (int)exponent;
            result = mantissa >> shift;
            remainder = mantissa & ((1u << shift) - 1);
            halfway = 1u << (shift - 1);
        }
        else
        {
            // Normal: rebias the exponent (127 → 15) and drop 13 mantissa bits; a carry may reach the exponent (or ∞).
            result = (magnitude - 0x38000000) >> 13;
            remainder = magnitude & 0x1FFF;
            halfway = 0x1000;
        }

        if (remainder > halfway || (remainder == halfway && (result & 1) != 0)) result++;
        return (ushort)(sign | result);
    }
}
