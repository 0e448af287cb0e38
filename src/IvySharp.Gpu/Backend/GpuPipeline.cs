using System.Numerics;
using ILGPU;
using ILGPU.Runtime;
using IvySharp.Gpu.Kernels;
using IvySharp.Gpu.Kernels.TensorCores;
using IvySharp.Gpu.Runtime;
using IvySharp.Kernels;
using IvySharp.Kernels.Pipeline;
using IvySharp.Planning;

namespace IvySharp.Gpu.Backend;

/// <summary>
/// One call on the device, in the CPU pipeline's steps: q, k and v where the attention kernel reads them (projected
/// by the GEMM straight into head-major scratch, or read in place, or gathered when bias/zero rows must follow), the
/// fused attention, the weights, and the output projection. Scratch lives until the call's end (the caller
/// synchronises before returning).
/// </summary>
internal sealed class GpuPipeline<T, TMath> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
    where TMath : struct, IDeviceFloat<T>
{
    private readonly GpuDevice _device;
    private readonly AttentionProblem<T> _problem;
    private readonly AttentionShape _shape;
    private readonly List<MemoryBuffer1D<byte, Stride1D.Dense>> _scratch = [];

    private readonly GemmPrecision _precision;

    private GpuPipeline(GpuDevice device, AttentionProblem<T> problem)
    {
        _device = device;
        _problem = problem;
        _shape = problem.Shape;
        _precision = problem.DType switch
        {
            DType.Float16 => GemmPrecision.Float16,
            DType.Float32 when IvySharpGpu.Tf32Enabled => GemmPrecision.Tf32,
            _ => GemmPrecision.Exact,
        };
    }

    private enum GemmPrecision
    {
        Exact,
        Tf32,
        Float16,
    }

    public static void Run(GpuDevice device, AttentionProblem<T> problem)
    {
        using var pipeline = new GpuPipeline<T, TMath>(device, problem);
        pipeline.Run();
    }

    private GpuKernels Kernels => _device.Kernels;

    private void Run()
    {
        AttentionShape shape = _shape;
        int d = shape.D, e = shape.E;
        (ArrayView<T> q, Strided qLayout) = Query();
        (ArrayView<T> k, Strided kLayout) = KeyOrValue(isKey: true);
        (ArrayView<T> v, Strided vLayout) = KeyOrValue(isKey: false);
        ArrayView<T> output = View(_problem.Output.Device!);
        bool projectOutput = _problem.OutProjWeights is not null;
        ArrayView<T> attended = projectOutput ? Scratch(shape.N * shape.L * e) : output;
        var attendedLayout = Strided.TokenRows(!projectOutput && shape.SequenceFirst, shape.N, shape.L, e, d);
        bool weights = _problem.DeviceWeights is not null;
        ArrayView<T> stats = weights ? Scratch(2 * shape.N * shape.H * shape.L) : q;

        AttentionArgs<T> args = Arguments(qLayout, kLayout, vLayout, attendedLayout, weights);
        ArrayView<T> attention = _problem.AttentionMask is { } a ? View(a.Device!) : q;
        ArrayView<T> padding = _problem.KeyPaddingMask is { } p ? View(p.Device!) : q;

        // The CPU's per-call placement (ScalePlacement): where scale·q underflows to ±0 for a nonzero q, the scale goes
        // on the scores instead. A flag on the device, set here and read by the kernels: the host does not wait for it.
        ArrayView<int> queryLost = ScratchInts(1);
        queryLost.MemSetToZero();
        if (args.ScalesScores == 0 && args.Scale != T.Zero) Kernels.QueryLost(q, qLayout, shape.N, shape.H, shape.L, d, args.QueryScale, queryLost);

        Kernels.AttendRows<T, TMath>(q, k, v, attended, attention, padding, stats, queryLost, args);
        if (weights) Kernels.Weights<T, TMath>(_problem.AverageWeights, q, k, attention, padding, stats, View(_problem.DeviceWeights!), queryLost, args);

        if (projectOutput)
        {
            int o = shape.O;
            var gemm = new GemmShape(
                Rows: shape.N * shape.L, Tokens: shape.L, K: e, Cols: o,
                InOffset: 0, InSample: shape.L * e, InRow: e,
                OutOffset: 0, OutSample: shape.SequenceFirst ? o : shape.L * o, OutRow: shape.SequenceFirst ? shape.N * o : o, OutHead: 0, HeadWidth: Math.Max(o, 1),
                WeightOffset: 0, BiasOffset: 0, HasBias: _problem.OutProjBias is null ? 0 : 1);
            // Exact even for float16 calls: its input, the attended rows, is a float32 result, and rounding it to
            // float16 for the tensor cores cost up to 2.3e-3 relative on the random calls (the contract's float16
            // tolerance is 1e-3). TF32, an explicit opt-in to lower precision, still applies.
            Gemm(attended, View(_problem.OutProjWeights!), BiasView(_problem.OutProjBias, attended), output, gemm, float32Input: true);
        }
    }

    private AttentionArgs<T> Arguments(Strided q, Strided k, Strided v, Strided attended, bool writeStats)
    {
        AttentionShape shape = _shape;
        MaskValues<T>? attention = _problem.AttentionMask, padding = _problem.KeyPaddingMask;
        var dropout = _problem.Dropout;
        return new AttentionArgs<T>
        {
            N = shape.N, H = shape.H, L = shape.L, S = shape.S, SPrime = shape.SPrime, D = shape.D,
            Q = q, K = k, V = v, Out = attended,
            Causal = _problem.IsCausal ? 1 : 0,
            ScalesScores = _problem.Placement.ScalesScores ? 1 : 0, Scale = _problem.Placement.Scale, QueryScale = _problem.Placement.QueryScale,
            HasAttention = attention is null ? 0 : 1, AttentionAssigns = attention?.Assigns == true ? 1 : 0,
            AttentionPerBatchHead = attention?.PerBatchHead == true ? 1 : 0,
            HasPadding = padding is null ? 0 : 1, PaddingAssigns = padding?.Assigns == true ? 1 : 0,
            DropoutActive = dropout.IsActive ? 1 : 0, DropoutProbability = dropout.Probability, Seed = dropout.Seed,
            Keep = dropout.Probability >= 1 ? T.Zero : T.CreateChecked(1.0 / (1.0 - dropout.Probability)),
            WriteStats = writeStats ? 1 : 0,
        };
    }

    /// <summary>q: the query read in place (no projection) or projected into head-major (N, H, L, d) scratch.</summary>
    private (ArrayView<T>, Strided) Query()
    {
        AttentionShape shape = _shape;
        if (_problem.Route == ProjectionRoute.None)
        {
            return (View(_problem.Query), Strided.TokenRows(shape.SequenceFirst, shape.N, shape.L, shape.E, shape.D));
        }

        ArrayView<T> q = Scratch(shape.N * shape.H * shape.L * shape.D);
        Project(0, q, shape.L);
        return (q, Strided.HeadMajor(shape.H, shape.L, shape.D));
    }

    /// <summary>k or v: static or unprojected inputs in place when no extra rows follow, else head-major (N, H, S′, d) scratch.</summary>
    private (ArrayView<T>, Strided) KeyOrValue(bool isKey)
    {
        AttentionShape shape = _shape;
        int d = shape.D;
        bool extras = shape.SPrime > shape.S;
        var headMajor = Strided.HeadMajor(shape.H, shape.SPrime, d);
        Operand<T>? staticInput = isKey ? _problem.StaticK : _problem.StaticV;
        (ArrayView<T> source, Strided layout)? inPlace =
            staticInput is not null ? (View(staticInput), Strided.HeadMajor(shape.H, shape.S, d))
            : _problem.Route == ProjectionRoute.None ? (View(isKey ? _problem.Key : _problem.Value), Strided.TokenRows(shape.SequenceFirst, shape.N, shape.SInput, shape.E, d))
            : null;
        if (inPlace is { } input && !extras) return input;

        ArrayView<T> buffer = Scratch(shape.N * shape.H * shape.SPrime * d);
        if (inPlace is { } copied) Kernels.Gather(copied.source, buffer, copied.layout, headMajor, shape.N, shape.H, shape.S, d);
        else Project(isKey ? 1 : 2, buffer, shape.SPrime);

        Operand<T>? token = isKey ? _problem.BiasK : _problem.BiasV;
        Kernels.Extras(buffer, token is null ? buffer : View(token), headMajor, shape.N, shape.H, shape.S, d, token is not null, _problem.AddZeroAttn);
        return (buffer, headMajor);
    }

    /// <summary>Projection <paramref name="part"/> (0 q, 1 k, 2 v) into head-major scratch of <paramref name="tokens"/> rows per (n, h).</summary>
    private void Project(int part, ArrayView<T> destination, int tokens)
    {
        AttentionShape shape = _shape;
        int e = shape.E, d = shape.D;
        bool packed = _problem.Route == ProjectionRoute.Packed;
        Operand<T> x = part switch { 0 => _problem.Query, 1 => _problem.Key, _ => _problem.Value };
        int features = part switch { 0 => shape.QFeatures, 1 => shape.KFeatures, _ => shape.VFeatures };
        int inputTokens = part == 0 ? shape.L : shape.SInput;
        Operand<T> w = packed ? _problem.InProjWeights! : part switch { 0 => _problem.QProjWeights!, 1 => _problem.KProjWeights!, _ => _problem.VProjWeights! };
        var input = Strided.TokenRows(shape.SequenceFirst, shape.N, inputTokens, features, d);
        var gemm = new GemmShape(
            Rows: shape.N * inputTokens, Tokens: inputTokens, K: features, Cols: e,
            InOffset: 0, InSample: input.Sample, InRow: input.Row,
            OutOffset: 0, OutSample: shape.H * tokens * d, OutRow: d, OutHead: tokens * d, HeadWidth: Math.Max(d, 1),
            WeightOffset: packed ? part * e * features : 0, BiasOffset: part * e, HasBias: _problem.InProjBias is null ? 0 : 1);
        Gemm(View(x), View(w), BiasView(_problem.InProjBias, destination), destination, gemm);
    }

    /// <summary>
    /// A projection on the kernel the call's precision asks for: float16 calls on the float16 tensor cores (inputs
    /// that are float16 values: not <paramref name="float32Input"/>), float32
    /// calls on the TF32 tensor cores when <see cref="IvySharpGpu.AllowTF32"/> was on at the call's start, else (and
    /// float64) the exact SIMT GEMM. The accelerator picks the instruction's form: mma.sync on CUDA, C# elsewhere.
    /// </summary>
    private void Gemm(ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y, GemmShape shape, bool float32Input = false)
    {
        if (typeof(T) != typeof(float) || _precision == GemmPrecision.Exact || (float32Input && _precision == GemmPrecision.Float16))
        {
            Kernels.Project<T, TMath>(x, w, bias, y, shape);
            return;
        }

        ArrayView<float> xf = x.Cast<float>(), wf = w.Cast<float>(), bf = bias.Cast<float>(), yf = y.Cast<float>();
        bool cuda = !_device.IsSimulated;
        if (_precision == GemmPrecision.Float16)
        {
            if (cuda) Kernels.ProjectOnTensorCores<PtxF16>(xf, wf, bf, yf, shape);
            else Kernels.ProjectOnTensorCores<EmulatedF16>(xf, wf, bf, yf, shape);
        }
        else if (cuda)
        {
            Kernels.ProjectOnTensorCores<PtxTf32>(xf, wf, bf, yf, shape);
        }
        else
        {
            Kernels.ProjectOnTensorCores<EmulatedTf32>(xf, wf, bf, yf, shape);
        }
    }

    private static ArrayView<T> BiasView(Operand<T>? bias, ArrayView<T> fallback) => bias is null ? fallback : View(bias);

    private static ArrayView<T> View(Operand<T> operand) => View(operand.Device!);

    private static ArrayView<T> View(DeviceStorage storage) => ((GpuStorage)storage).View<T>();

    private ArrayView<int> ScratchInts(int length)
    {
        MemoryBuffer1D<byte, Stride1D.Dense> buffer = _device.Scratch.Rent((long)length * sizeof(int));
        _scratch.Add(buffer);
        return buffer.View.AsContiguous().Cast<int>().SubView(0, length);
    }

    private ArrayView<T> Scratch(int length)
    {
        MemoryBuffer1D<byte, Stride1D.Dense> buffer = _device.Scratch.Rent((long)length * Interop.SizeOf<T>());
        _scratch.Add(buffer);
        return buffer.View.AsContiguous().Cast<T>().SubView(0, length);
    }

    public void Dispose()
    {
        // Kernels are asynchronous: wait for them before their scratch memory goes back.
        _device.Accelerator.Synchronize();
        foreach (MemoryBuffer1D<byte, Stride1D.Dense> buffer in _scratch) _device.Scratch.Return(buffer);
    }
}
