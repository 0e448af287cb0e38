using System.Numerics;
using IvySharp.Kernels.Rules;
using IvySharp.Planning;

namespace IvySharp.Kernels.Pipeline;

/// <summary>
/// The sizes and layout of one call (contract §1–§3), without its data.
/// </summary>
/// <param name="N">Samples (1 for unbatched input).</param>
/// <param name="L">Query tokens.</param>
/// <param name="SInput">Rows of the key/value inputs.</param>
/// <param name="S">Keys the masks and the causal rule refer to (S_static when static keys are given).</param>
/// <param name="SPrime">All key columns: S plus the bias and zero tokens.</param>
/// <param name="QFeatures">Width of a query row.</param>
/// <param name="KFeatures">Width of a key row.</param>
/// <param name="VFeatures">Width of a value row.</param>
/// <param name="E">Embedding width after the input projection.</param>
/// <param name="H">Heads.</param>
/// <param name="O">Width of an output row.</param>
/// <param name="SequenceFirst">Query, key, value and output are (tokens, N, features); otherwise (N, tokens, features) or unbatched.</param>
internal readonly record struct AttentionShape(
    int N, int L, int SInput, int S, int SPrime, int QFeatures, int KFeatures, int VFeatures, int E, int H, int O, bool SequenceFirst)
{
    /// <summary>Head width E / H.</summary>
    public int D => H == 0 ? 0 : E / H;

    /// <summary>Row index of token <paramref name="l"/> of sample <paramref name="n"/> in the query and output.</summary>
    public int QueryRow(int n, int l) => SequenceFirst ? (l * N) + n : (n * L) + l;

    /// <summary>Row index of key/value token <paramref name="s"/> of sample <paramref name="n"/>.</summary>
    public int KeyRow(int n, int s) => SequenceFirst ? (s * N) + n : (n * SInput) + s;
}

/// <summary>
/// One validated call as a backend receives it: every input as typed memory of the compute type
/// (<see cref="Operand{T}"/>; no <see cref="IvyArray"/>), the masks in their final form, the rules'
/// parameters, and a typed destination for the output (and the weights, when asked for). Owns its operands
/// and masks until disposed. Built by <see cref="ProblemBuilder"/>.
/// </summary>
internal sealed class AttentionProblem<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public required AttentionShape Shape { get; init; }

    public required ProjectionRoute Route { get; init; }

    /// <summary>The call's dtype (float16 calls compute in float: a device backend may pick float16 tensor-core kernels for them).</summary>
    public DType DType { get; init; }

    /// <summary>Query, key and value are one array (self-attention): one projection can serve all three.</summary>
    public required bool SelfAttention { get; init; }

    public required Operand<T> Query { get; init; }
    public required Operand<T> Key { get; init; }
    public required Operand<T> Value { get; init; }

    public Operand<T>? InProjWeights { get; init; }
    public Operand<T>? QProjWeights { get; init; }
    public Operand<T>? KProjWeights { get; init; }
    public Operand<T>? VProjWeights { get; init; }
    public Operand<T>? InProjBias { get; init; }
    public Operand<T>? OutProjWeights { get; init; }
    public Operand<T>? OutProjBias { get; init; }
    public Operand<T>? BiasK { get; init; }
    public Operand<T>? BiasV { get; init; }

    /// <summary>Static keys (N·H, S, d), replacing the projected keys.</summary>
    public Operand<T>? StaticK { get; init; }

    public Operand<T>? StaticV { get; init; }

    public required bool AddZeroAttn { get; init; }

    /// <summary>The call has an output projection (its weights are <see cref="OutProjWeights"/>, or the prepared ones).</summary>
    public required bool ProjectsOutput { get; init; }

    public required ScalePlacement<T> Placement { get; init; }

    public required bool IsCausal { get; init; }

    /// <summary>The attention mask, or null when absent or ignored because of <see cref="IsCausal"/>.</summary>
    public MaskValues<T>? AttentionMask { get; init; }

    public MaskValues<T>? KeyPaddingMask { get; init; }

    public required DropoutRule<T> Dropout { get; init; }

    /// <summary>Receives the output, N·L·O elements in the call's layout; every element is written.</summary>
    public required OutputTarget<T> Output { get; init; }

    /// <summary>Receives the weights, zero-initialised: (N, L, S′) when <see cref="AverageWeights"/>, else (N, H, L, S′); null when not asked for.</summary>
    public T[]? Weights { get; init; }

    /// <summary>
    /// For a call on a device: receives the weights in device memory instead of <see cref="Weights"/> (same layout,
    /// compute type, zero-initialised); null for host calls and when weights are not asked for.
    /// </summary>
    public DeviceStorage? DeviceWeights { get; init; }

    public required bool AverageWeights { get; init; }

    /// <summary>
    /// A layer's projection weights packed beforehand (the same arrays as the weight operands), or null: a CPU
    /// backend then runs the GEMM on the packed panels instead of packing per call; the bits are the same.
    /// </summary>
    public PreparedWeights? Prepared { get; init; }

    public void Dispose()
    {
        // An operand shared by several arguments (self-attention) returns its buffer once: Dispose is idempotent.
        foreach (Operand<T>? operand in (ReadOnlySpan<Operand<T>?>)[
            Query, Key, Value, InProjWeights, QProjWeights, KProjWeights, VProjWeights, InProjBias,
            OutProjWeights, OutProjBias, BiasK, BiasV, StaticK, StaticV])
        {
            operand?.Dispose();
        }

        AttentionMask?.Dispose();
        KeyPaddingMask?.Dispose();
    }
}

/// <summary>
/// Where a backend writes the output: a CLR array or a contiguous storage, N·L·O elements in the call's layout;
/// or, for a call on a device, device memory of the compute type (<see cref="Device"/>, no host span).
/// </summary>
internal readonly struct OutputTarget<T>
    where T : unmanaged
{
    private readonly T[]? _array;
    private readonly ArrayStorage<T>? _storage;

    public OutputTarget(DeviceStorage device)
    {
        Device = device;
        Length = device.Length;
    }

    /// <summary>The device memory receiving the output, or null for a host target.</summary>
    public DeviceStorage? Device { get; }

    public OutputTarget(T[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public OutputTarget(ArrayStorage<T> storage)
    {
        _storage = storage;
        Length = storage.Length;
    }

    public int Length { get; }

    public Span<T> Span => Device is not null
        ? throw new InvalidOperationException($"A host backend was handed an output that lives on {Device.Device}.")
        : _array is not null ? _array.AsSpan(0, Length) : _storage!.ContiguousSpan;

    /// <summary>The output seen through strides (for a core that writes it directly, with no output projection).</summary>
    public StridedBuffer<T> View(long sampleStride, long headStride, long rowStride) =>
        Device is not null ? throw new InvalidOperationException($"A host backend was handed an output that lives on {Device.Device}.")
        : _array is not null
            ? new StridedBuffer<T>(_array, sampleStride, headStride, rowStride)
            : new StridedBuffer<T>(_storage!, sampleStride, headStride, rowStride);
}
