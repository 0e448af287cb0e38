using ILGPU;

namespace IvySharp.Gpu.Kernels.TensorCores;

/// <summary>
/// The tensor-core instructions in C#, for the CPU accelerator: every lane of a 32-lane warp calls with its own
/// fragments (as with <c>mma.sync</c>), the warp's fragments meet in shared memory (one exchange per product: a
/// shuffle per element would cost a warp barrier each on the CPU accelerator), and each lane sums the products for
/// its four results in k order in float32 (TF32 and float16 products are exact in float32). The owner of each
/// element is computed here from the PTX ISA's layout independently of <see cref="MmaLayout"/>, so a wrong
/// fragment load is caught.
/// </summary>
internal static class MmaEmulation
{
    private const int Registers = 6, WarpsPerGroup = TensorCoreGemm.Threads / 32;

    public static Accumulator Tf32(FragmentA a, FragmentB b)
    {
        ArrayView<uint> fragments = Exchange(a, b, out int lane, out int at);
        int g = lane >> 2, t = lane & 3;
        float s00 = 0, s01 = 0, s10 = 0, s11 = 0;   // rows g, g+8 × columns 2t, 2t+1
        for (int k = 0; k < 8; k++)
        {
            // A(r, k) lives in lane 4·(r mod 8) + (k mod 4), register ⌊r/8⌋ + 2·⌊k/4⌋; rows g and g+8 share the lane.
            int aLane = (4 * g) + (k & 3), high = k >> 2;
            float top = Value(fragments, at, aLane, 2 * high), bottom = Value(fragments, at, aLane, 1 + (2 * high));

            // B(k, n) lives in lane 4·n + (k mod 4), register ⌊k/4⌋ (after the four A registers).
            float left = Value(fragments, at, (4 * 2 * t) + (k & 3), 4 + high), right = Value(fragments, at, (4 * ((2 * t) + 1)) + (k & 3), 4 + high);
            s00 = MathF.FusedMultiplyAdd(top, left, s00);
            s01 = MathF.FusedMultiplyAdd(top, right, s01);
            s10 = MathF.FusedMultiplyAdd(bottom, left, s10);
            s11 = MathF.FusedMultiplyAdd(bottom, right, s11);
        }

        Warp.Barrier();
        return new Accumulator { D0 = s00, D1 = s01, D2 = s10, D3 = s11 };
    }

    public static Accumulator F16(FragmentA a, FragmentB b)
    {
        ArrayView<uint> fragments = Exchange(a, b, out int lane, out int at);
        int g = lane >> 2, t = lane & 3;
        float s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        for (int k = 0; k < 16; k++)
        {
            // A(r, k): lane 4·(r mod 8) + ⌊(k mod 8)/2⌋, register ⌊r/8⌋ + 2·⌊k/8⌋, half k mod 2.
            int owner = (k & 7) >> 1, high = k >> 3, half = k & 1;
            float top = Half(fragments, at, (4 * g) + owner, 2 * high, half), bottom = Half(fragments, at, (4 * g) + owner, 1 + (2 * high), half);

            // B(k, n): lane 4·n + ⌊(k mod 8)/2⌋, register ⌊k/8⌋, half k mod 2.
            float left = Half(fragments, at, (4 * 2 * t) + owner, 4 + high, half), right = Half(fragments, at, (4 * ((2 * t) + 1)) + owner, 4 + high, half);
            s00 = MathF.FusedMultiplyAdd(top, left, s00);
            s01 = MathF.FusedMultiplyAdd(top, right, s01);
            s10 = MathF.FusedMultiplyAdd(bottom, left, s10);
            s11 = MathF.FusedMultiplyAdd(bottom, right, s11);
        }

        Warp.Barrier();
        return new Accumulator { D0 = s00, D1 = s01, D2 = s10, D3 = s11 };
    }

    // Every lane stores its six registers in its warp's slice of a shared buffer; after the warp barrier any lane's
    // registers can be read. The caller's closing barrier keeps the next product from overwriting them early.
    private static ArrayView<uint> Exchange(FragmentA a, FragmentB b, out int lane, out int at)
    {
        ArrayView<uint> fragments = SharedMemory.Allocate<uint>(WarpsPerGroup * 32 * Registers);
        lane = Warp.LaneIdx;
        at = Warp.WarpIdx * 32 * Registers;
        int mine = at + (lane * Registers);
        fragments[mine] = a.A0;
        fragments[mine + 1] = a.A1;
        fragments[mine + 2] = a.A2;
        fragments[mine + 3] = a.A3;
        fragments[mine + 4] = b.B0;
        fragments[mine + 5] = b.B1;
        Warp.Barrier();
        return fragments;
    }

    private static float Value(ArrayView<uint> fragments, int at, int lane, int register) => Interop.IntAsFloat(fragments[at + (lane * Registers) + register]);

    private static float Half(ArrayView<uint> fragments, int at, int lane, int register, int which)
    {
        uint bits = fragments[at + (lane * Registers) + register];
        return HalfBits.ToFloat((ushort)(which == 0 ? bits & 0xFFFF : bits >> 16));
    }
}
