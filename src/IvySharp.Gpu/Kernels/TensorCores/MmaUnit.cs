using ILGPU;
using ILGPU.Runtime.Cuda;

namespace IvySharp.Gpu.Kernels.TensorCores;

/// <summary>
/// One warp-wide tensor-core product of fragments, and how a tile in shared memory becomes fragments. Each kernel
/// instantiation takes one: the <c>Ptx*</c> units issue the real <c>mma.sync</c> (CUDA only), the <c>Emulated*</c>
/// units compute the same product from the same fragments in C# across the warp's 32 lanes (CPU accelerator), so
/// everything around the instruction — tiles, fragment loads, accumulation, stores — is tested everywhere.
/// </summary>
internal interface IMmaUnit
{
    /// <summary>k of one instruction: 8 (TF32) or 16 (float16).</summary>
    static abstract int K { get; }

    /// <summary>This lane's A fragment of rows [rowBase, +16) of a row-major tile of <paramref name="stride"/> columns.</summary>
    static abstract FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane);

    /// <summary>This lane's B fragment: B(k, n) = tile[(colBase + n)·stride + k] (the weights' own row-major layout).</summary>
    static abstract FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane);

    /// <summary>The 16 × 8 product A·B (from a zero accumulator): the one tensor-core step.</summary>
    static abstract Accumulator Product(FragmentA a, FragmentB b);
}

/// <summary>Fragment loads for TF32 (inputs rounded to 10 mantissa bits, as cvt.rna.tf32.f32).</summary>
internal static class Tf32Fragments
{
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => new()
    {
        A0 = At(tile, stride, rowBase, MmaLayout.Tf32A(lane, 0)), A1 = At(tile, stride, rowBase, MmaLayout.Tf32A(lane, 1)),
        A2 = At(tile, stride, rowBase, MmaLayout.Tf32A(lane, 2)), A3 = At(tile, stride, rowBase, MmaLayout.Tf32A(lane, 3)),
    };

    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane)
    {
        (int k0, int n) = MmaLayout.Tf32B(lane, 0);
        (int k1, _) = MmaLayout.Tf32B(lane, 1);
        int at = (colBase + n) * stride;
        return new FragmentB { B0 = MmaLayout.ToTf32(tile[at + k0]), B1 = MmaLayout.ToTf32(tile[at + k1]) };
    }

    private static uint At(ArrayView<float> tile, int stride, int rowBase, (int Row, int Col) p) => MmaLayout.ToTf32(tile[((rowBase + p.Row) * stride) + p.Col]);
}

/// <summary>Fragment loads for float16 (inputs rounded to float16, two per register).</summary>
internal static class F16Fragments
{
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => new()
    {
        A0 = At(tile, stride, rowBase, MmaLayout.F16A(lane, 0)), A1 = At(tile, stride, rowBase, MmaLayout.F16A(lane, 1)),
        A2 = At(tile, stride, rowBase, MmaLayout.F16A(lane, 2)), A3 = At(tile, stride, rowBase, MmaLayout.F16A(lane, 3)),
    };

    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane)
    {
        (int k0, int n) = MmaLayout.F16B(lane, 0);
        (int k1, _) = MmaLayout.F16B(lane, 1);
        int at = (colBase + n) * stride;
        return new FragmentB { B0 = MmaLayout.PackHalves(tile[at + k0], tile[at + k0 + 1]), B1 = MmaLayout.PackHalves(tile[at + k1], tile[at + k1 + 1]) };
    }

    private static uint At(ArrayView<float> tile, int stride, int rowBase, (int Row, int Col) p)
    {
        int at = ((rowBase + p.Row) * stride) + p.Col;
        return MmaLayout.PackHalves(tile[at], tile[at + 1]);
    }
}

/// <summary>TF32 m16n8k8 on CUDA.</summary>
internal readonly struct PtxTf32 : IMmaUnit
{
    public static int K => 8;
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => Tf32Fragments.LoadA(tile, stride, rowBase, lane);
    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane) => Tf32Fragments.LoadB(tile, stride, colBase, lane);

    // CudaAsm.Emit takes one output and at most nine inputs: the six fragment registers go in, the accumulator starts
    // at zero inside the statement (a zeroed register: mma's operands are registers, not immediates), and two results
    // come out packed in a 64-bit register. So each product issues the
    // instruction twice (results 0–1, then 2–3): twice the tensor work, kept for its simplicity until an H200 run
    // shows whether a one-statement form storing through an address input is worth it.
    public static Accumulator Product(FragmentA a, FragmentB b)
    {
        CudaAsm.Emit(
            "{ .reg .f32 t<4>; .reg .f32 z; mov.f32 z, 0f00000000; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {t0,t1,t2,t3}, {%1,%2,%3,%4}, {%5,%6}, {z,z,z,z}; mov.b64 %0, {t0,t1}; }",
            out ulong low, a.A0, a.A1, a.A2, a.A3, b.B0, b.B1);
        CudaAsm.Emit(
            "{ .reg .f32 t<4>; .reg .f32 z; mov.f32 z, 0f00000000; mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {t0,t1,t2,t3}, {%1,%2,%3,%4}, {%5,%6}, {z,z,z,z}; mov.b64 %0, {t2,t3}; }",
            out ulong high, a.A0, a.A1, a.A2, a.A3, b.B0, b.B1);
        return Unpack(low, high);
    }

    internal static Accumulator Unpack(ulong low, ulong high) => new()
    {
        D0 = Interop.IntAsFloat((uint)low), D1 = Interop.IntAsFloat((uint)(low >> 32)),
        D2 = Interop.IntAsFloat((uint)high), D3 = Interop.IntAsFloat((uint)(high >> 32)),
    };
}

/// <summary>float16 m16n8k16 (float32 accumulation) on CUDA.</summary>
internal readonly struct PtxF16 : IMmaUnit
{
    public static int K => 16;
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => F16Fragments.LoadA(tile, stride, rowBase, lane);
    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane) => F16Fragments.LoadB(tile, stride, colBase, lane);

    public static Accumulator Product(FragmentA a, FragmentB b)
    {
        CudaAsm.Emit(
            "{ .reg .f32 t<4>; .reg .f32 z; mov.f32 z, 0f00000000; mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {t0,t1,t2,t3}, {%1,%2,%3,%4}, {%5,%6}, {z,z,z,z}; mov.b64 %0, {t0,t1}; }",
            out ulong low, a.A0, a.A1, a.A2, a.A3, b.B0, b.B1);
        CudaAsm.Emit(
            "{ .reg .f32 t<4>; .reg .f32 z; mov.f32 z, 0f00000000; mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {t0,t1,t2,t3}, {%1,%2,%3,%4}, {%5,%6}, {z,z,z,z}; mov.b64 %0, {t2,t3}; }",
            out ulong high, a.A0, a.A1, a.A2, a.A3, b.B0, b.B1);
        return PtxTf32.Unpack(low, high);
    }
}

/// <summary>TF32 m16n8k8 in C# on the CPU accelerator (<see cref="MmaEmulation"/>).</summary>
internal readonly struct EmulatedTf32 : IMmaUnit
{
    public static int K => 8;
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => Tf32Fragments.LoadA(tile, stride, rowBase, lane);
    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane) => Tf32Fragments.LoadB(tile, stride, colBase, lane);
    public static Accumulator Product(FragmentA a, FragmentB b) => MmaEmulation.Tf32(a, b);
}

/// <summary>float16 m16n8k16 in C# on the CPU accelerator (<see cref="MmaEmulation"/>).</summary>
internal readonly struct EmulatedF16 : IMmaUnit
{
    public static int K => 16;
    public static FragmentA LoadA(ArrayView<float> tile, int stride, int rowBase, int lane) => F16Fragments.LoadA(tile, stride, rowBase, lane);
    public static FragmentB LoadB(ArrayView<float> tile, int stride, int colBase, int lane) => F16Fragments.LoadB(tile, stride, colBase, lane);
    public static Accumulator Product(FragmentA a, FragmentB b) => MmaEmulation.F16(a, b);
}
