using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using IvySharp.Gpu.Kernels;
using IvySharp.Gpu.Kernels.TensorCores;

namespace IvySharp.Gpu.Tests.Kernels;

/// <summary>
/// Every kernel as CUDA gets it (instantiated with the inline-PTX math), compiled to PTX for the H200's sm_90 by
/// ILGPU's PTX backend — no GPU needed. Catches what the CPU accelerator cannot: IL that ILGPU cannot translate
/// (System.Type, unsupported BCL calls) and calls left as unresolved <c>.extern</c> functions, which would only fail
/// when the driver loads the module.
/// </summary>
public sealed class PtxCompilationTests
{
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (string name in Instantiations().Keys) data.Add(name);
        return data;
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_self_contained_ptx_for_sm_90(string name)
    {
        (MethodInfo method, bool grouped) = Instantiations()[name];
        string ptx = CompileToPtx(method, grouped);
        Assert.Contains(".entry", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".extern", ptx, StringComparison.Ordinal);
        // a·b + c must reach ptxas as mul/add without a rounding modifier, which it contracts into an FMA.
        if (name.Contains("PtxFloat32", StringComparison.Ordinal) && !name.Contains("BoolToMask", StringComparison.Ordinal))
        {
            Assert.Contains("mul.f32", ptx, StringComparison.Ordinal);
            Assert.DoesNotContain("mul.rn.f32", ptx, StringComparison.Ordinal);
        }

        // The exact GEMM keeps its sums in named locals so that they stay in registers: no local-memory traffic.
        if (name.StartsWith("ProjectionKernel", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(".local", ptx, StringComparison.Ordinal);
        }

        if (name.Contains("PtxTf32", StringComparison.Ordinal)) Assert.Contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", ptx, StringComparison.Ordinal);
        if (name.Contains("PtxF16", StringComparison.Ordinal)) Assert.Contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", ptx, StringComparison.Ordinal);
    }

    /// <summary>The PTX ILGPU emits for <paramref name="method"/> (explicitly grouped kernels take a KernelConfig).</summary>
    internal static string CompileToPtx(MethodInfo method, bool grouped)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        EntryPointDescription entry = grouped
            ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
            : EntryPointDescription.FromImplicitlyGroupedKernel(method);
        return ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
    }

    private static Dictionary<string, (MethodInfo, bool)> Instantiations()
    {
        var kernels = new Dictionary<string, (MethodInfo, bool)>();
        void Add(Delegate kernel, bool grouped)
        {
            MethodInfo method = kernel.Method;
            string types = string.Join(", ", method.GetGenericArguments().Select(t => t.Name));
            kernels[$"{method.DeclaringType!.Name}.{method.Name}<{types}>"] = (method, grouped);
        }

        Add((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>)ProjectionKernel.Run<float, PtxFloat32>, true);
        Add((Action<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, GemmShape>)ProjectionKernel.Run<double, PtxFloat64>, true);
        Add((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, AttentionArgs<float>>)AttentionRowKernel.Run<float, PtxFloat32>, true);
        Add((Action<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, AttentionArgs<double>>)AttentionRowKernel.Run<double, PtxFloat64>, true);
        Add((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>)TensorCoreGemm.Run<PtxTf32>, true);
        Add((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>)TensorCoreGemm.Run<PtxF16>, true);
        Add((Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, AttentionArgs<float>>)WeightsKernel.PerHead<float, PtxFloat32>, false);
        Add((Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, AttentionArgs<float>>)WeightsKernel.Averaged<float, PtxFloat32>, false);
        Add((Action<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<int>, AttentionArgs<double>>)WeightsKernel.Averaged<double, PtxFloat64>, false);
        Add((Action<Index1D, ArrayView<float>, ArrayView<float>, Strided, Strided, int, int, int>)LayoutKernels.Gather<float>, false);
        Add((Action<Index1D, ArrayView<float>, ArrayView<float>, Strided, int, int, int, int, int>)LayoutKernels.Extras<float>, false);
        Add((Action<Index1D, ArrayView<float>, Strided, int, int, int, float, ArrayView<int>>)LayoutKernels.QueryLost<float>, false);
        Add((Action<Index1D, ArrayView<double>, Strided, int, int, int, double, ArrayView<int>>)LayoutKernels.QueryLost<double>, false);
        Add((Action<Index1D, ArrayView<byte>, ArrayView<float>>)ConvertKernels.BoolToMask<float, PtxFloat32>, false);
        Add((Action<Index1D, ArrayView<byte>, ArrayView<double>>)ConvertKernels.BoolToMask<double, PtxFloat64>, false);
        Add((Action<Index1D, ArrayView<ushort>, ArrayView<float>>)ConvertKernels.Convert<ushort, HalfElement, float, FloatElement>, false);
        Add((Action<Index1D, ArrayView<float>, ArrayView<ushort>>)ConvertKernels.Convert<float, FloatElement, ushort, HalfElement>, false);
        Add((Action<Index1D, ArrayView<double>, ArrayView<ushort>>)ConvertKernels.Convert<double, DoubleElement, ushort, HalfElement>, false);
        Add((Action<Index1D, ArrayView<byte>, ArrayView<double>>)ConvertKernels.Convert<byte, BoolElement, double, DoubleElement>, false);
        return kernels;
    }
}
