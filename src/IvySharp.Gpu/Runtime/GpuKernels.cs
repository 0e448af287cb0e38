using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using IvySharp.Gpu.Kernels;
using IvySharp.Gpu.Kernels.TensorCores;

namespace IvySharp.Gpu.Runtime;

/// <summary>
/// The kernels of one accelerator, compiled on first use and kept (ILGPU compiles a kernel once per accelerator
/// and instantiation). Callers hold the device's lock; launches are asynchronous on the default stream.
/// </summary>
internal sealed class GpuKernels(Accelerator accelerator)
{
    private readonly ConcurrentDictionary<MethodInfo, Delegate> _loaded = new();

    public Accelerator Accelerator { get; } = accelerator;

    /// <summary>Converts every element of <paramref name="from"/> into <paramref name="to"/> (same length).</summary>
    public void Convert(GpuStorage from, GpuStorage to)
    {
        switch (from.DType)
        {
            case DType.Float16: ConvertFrom<ushort, HalfElement>(from, to); break;
            case DType.Float32: ConvertFrom<float, FloatElement>(from, to); break;
            case DType.Float64: ConvertFrom<double, DoubleElement>(from, to); break;
            default: ConvertFrom<byte, BoolElement>(from, to); break;
        }
    }

    /// <summary>A boolean mask into its final compute-type form (−∞ where true).</summary>
    public void BoolToMask(GpuStorage from, GpuStorage to)
    {
        if (to.Length == 0) return;
        bool simulated = Accelerator.AcceleratorType != AcceleratorType.Cuda;
        if (to.DType == DType.Float64)
        {
            Action<Index1D, ArrayView<byte>, ArrayView<double>> kernel = simulated ? ConvertKernels.BoolToMask<double, CpuFloat64> : ConvertKernels.BoolToMask<double, PtxFloat64>;
            Auto(kernel)(to.Length, from.View<byte>(), to.View<double>());
        }
        else
        {
            Action<Index1D, ArrayView<byte>, ArrayView<float>> kernel = simulated ? ConvertKernels.BoolToMask<float, CpuFloat32> : ConvertKernels.BoolToMask<float, PtxFloat32>;
            Auto(kernel)(to.Length, from.View<byte>(), to.View<float>());
        }
    }

    /// <summary>y = x·Wᵀ + b with <see cref="ProjectionKernel"/>.</summary>
    public void Project<T, TMath>(ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y, GemmShape shape)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        if (shape.Rows == 0 || shape.Cols == 0) return;
        var grid = new Index2D((shape.Cols + ProjectionKernel.Tile - 1) / ProjectionKernel.Tile, (shape.Rows + ProjectionKernel.Tile - 1) / ProjectionKernel.Tile);
        Grouped<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, GemmShape>(
            ProjectionKernel.Run<T, TMath>)(new KernelConfig(grid, new Index2D(ProjectionKernel.Threads, 1)), x, w, bias, y, shape);
    }

    /// <summary>y = x·Wᵀ + b on the tensor cores with <see cref="TensorCoreGemm"/> and the unit <typeparamref name="TUnit"/>.</summary>
    public void ProjectOnTensorCores<TUnit>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, GemmShape shape)
        where TUnit : struct, IMmaUnit
    {
        if (shape.Rows == 0 || shape.Cols == 0) return;
        var grid = new Index2D((shape.Cols + TensorCoreGemm.Cols - 1) / TensorCoreGemm.Cols, (shape.Rows + TensorCoreGemm.Rows - 1) / TensorCoreGemm.Rows);
        Grouped<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(
            TensorCoreGemm.Run<TUnit>)(new KernelConfig(grid, new Index2D(TensorCoreGemm.Threads, 1)), x, w, bias, y, shape);
    }

    /// <summary>Every block of query rows with <see cref="AttentionRowKernel"/>.</summary>
    public void AttendRows<T, TMath>(
        ArrayView<T> q, ArrayView<T> k, ArrayView<T> v, ArrayView<T> output, ArrayView<T> attention, ArrayView<T> padding,
        ArrayView<T> stats, ArrayView<int> queryLost, AttentionArgs<T> args)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        int blocks = args.N * args.H * ((args.L + AttentionRowKernel.Rows - 1) / AttentionRowKernel.Rows);
        if (blocks == 0) return;
        Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<int>, AttentionArgs<T>> kernel =
            AttentionRowKernel.Run<T, TMath>;
        var launch = (Action<KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<int>, AttentionArgs<T>>)
            _loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadStreamKernel(kernel));
        launch(new KernelConfig(blocks, AttentionRowKernel.Lanes), q, k, v, output, attention, padding, stats, queryLost, args);
    }

    /// <summary>The returned weights with <see cref="WeightsKernel"/>, per head or averaged.</summary>
    public void Weights<T, TMath>(
        bool average, ArrayView<T> q, ArrayView<T> k, ArrayView<T> attention, ArrayView<T> padding,
        ArrayView<T> stats, ArrayView<T> weights, ArrayView<int> queryLost, AttentionArgs<T> args)
        where T : unmanaged, INumber<T>
        where TMath : struct, IDeviceFloat<T>
    {
        if (weights.Length == 0) return;
        Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<int>, AttentionArgs<T>> kernel =
            average ? WeightsKernel.Averaged<T, TMath> : WeightsKernel.PerHead<T, TMath>;
        var launch = (Action<Index1D, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<int>, AttentionArgs<T>>)
            _loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        launch((int)weights.Length, q, k, attention, padding, stats, weights, queryLost, args);
    }

    /// <summary>
    /// Sets <paramref name="lost"/>[0] (cleared by the caller) when scale·q underflows to ±0 for a nonzero q element
    /// (<see cref="LayoutKernels.QueryLost"/>), for the attention kernels to read.
    /// </summary>
    public void QueryLost<T>(ArrayView<T> q, Strided layout, int n, int heads, int tokens, int d, T queryScale, ArrayView<int> lost)
        where T : unmanaged, INumber<T>
    {
        int count = n * heads * tokens * d;
        if (count == 0) return;
        Action<Index1D, ArrayView<T>, Strided, int, int, int, T, ArrayView<int>> kernel = LayoutKernels.QueryLost;
        var launch = (Action<Index1D, ArrayView<T>, Strided, int, int, int, T, ArrayView<int>>)
            _loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        launch(count, q, layout, heads, tokens, d, queryScale, lost);
    }

    /// <summary>Copies (n, h, t, c) for t &lt; <paramref name="tokens"/>, c &lt; <paramref name="d"/> between layouts.</summary>
    public void Gather<T>(ArrayView<T> source, ArrayView<T> destination, Strided from, Strided to, int n, int heads, int tokens, int d)
        where T : unmanaged
    {
        int count = n * heads * tokens * d;
        if (count == 0) return;
        Action<Index1D, ArrayView<T>, ArrayView<T>, Strided, Strided, int, int, int> kernel = LayoutKernels.Gather;
        var launch = (Action<Index1D, ArrayView<T>, ArrayView<T>, Strided, Strided, int, int, int>)
            _loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        launch(count, source, destination, from, to, heads, tokens, d);
    }

    /// <summary>The bias and zero key/value rows after row <paramref name="s"/> of every (n, h).</summary>
    public void Extras<T>(ArrayView<T> buffer, ArrayView<T> token, Strided layout, int n, int heads, int s, int d, bool hasBias, bool addZero)
        where T : unmanaged, INumber<T>
    {
        int count = n * heads * d;
        if (count == 0 || !(hasBias || addZero)) return;
        Action<Index1D, ArrayView<T>, ArrayView<T>, Strided, int, int, int, int, int> kernel = LayoutKernels.Extras;
        var launch = (Action<Index1D, ArrayView<T>, ArrayView<T>, Strided, int, int, int, int, int>)
            _loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));
        launch(count, buffer, token, layout, heads, s, d, hasBias ? 1 : 0, addZero ? 1 : 0);
    }

    private void ConvertFrom<TFrom, TFromElement>(GpuStorage from, GpuStorage to)
        where TFrom : unmanaged
        where TFromElement : struct, IElement<TFrom>
    {
        if (to.Length == 0) return;
        switch (to.DType)
        {
            case DType.Float16: Auto<TFrom, ushort>(ConvertKernels.Convert<TFrom, TFromElement, ushort, HalfElement>)(to.Length, from.View<TFrom>(), to.View<ushort>()); break;
            case DType.Float32: Auto<TFrom, float>(ConvertKernels.Convert<TFrom, TFromElement, float, FloatElement>)(to.Length, from.View<TFrom>(), to.View<float>()); break;
            case DType.Float64: Auto<TFrom, double>(ConvertKernels.Convert<TFrom, TFromElement, double, DoubleElement>)(to.Length, from.View<TFrom>(), to.View<double>()); break;
            default: Auto<TFrom, byte>(ConvertKernels.Convert<TFrom, TFromElement, byte, BoolElement>)(to.Length, from.View<TFrom>(), to.View<byte>()); break;
        }
    }

    private Action<Index1D, ArrayView<TA>, ArrayView<TB>> Auto<TA, TB>(Action<Index1D, ArrayView<TA>, ArrayView<TB>> kernel)
        where TA : unmanaged
        where TB : unmanaged =>
        (Action<Index1D, ArrayView<TA>, ArrayView<TB>>)_loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedStreamKernel(kernel));

    private Action<KernelConfig, T1, T2, T3, T4, T5> Grouped<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel)
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct =>
        (Action<KernelConfig, T1, T2, T3, T4, T5>)_loaded.GetOrAdd(kernel.Method, _ => Accelerator.LoadStreamKernel(kernel));
}
