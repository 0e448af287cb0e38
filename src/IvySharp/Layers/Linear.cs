namespace IvySharp.Layers;

/// <summary>
/// A linear (fully connected) layer, as Ivy's stateful <c>ivy.Linear</c>: variables <c>w</c>
/// (outputChannels, inputChannels) and <c>b</c> (outputChannels,), and <see cref="Forward"/> =
/// <c>Ivy.Linear(x, w, b)</c>.
/// </summary>
/// <remarks>
/// <para>New variables: <c>w</c> GlorotUniform, uniform in ±sqrt(6 / (in + out)) (Ivy's default initialiser), drawn
/// from <see cref="Random"/> seeded with <c>seed</c> (the same seed gives the same weights) and rounded to the
/// layer's dtype; <c>b</c> zeros.</para>
/// <para>Variables are replaced only through <see cref="V"/> or <see cref="SetVariables"/>, which validate the new
/// ones and swap both at once (a concurrent <see cref="Forward"/> sees the old pair or the new one, never a mix).
/// The layer keeps the arrays it is given (no copy) and may prepare state from them (e.g. packed weights); replacing
/// the variables discards that state. Writing into a variable's elements after it was given is not a supported
/// way to change it: call <see cref="SetVariables"/> again (with the same arrays, if need be) so the layer reads
/// them anew.</para>
/// </remarks>
public sealed class Linear
{
    private Variables _variables;

    /// <summary>A linear layer with new variables, or with the given <paramref name="v"/>.</summary>
    /// <param name="inputChannels">in_features, ≥ 0.</param>
    /// <param name="outputChannels">out_features, ≥ 0.</param>
    /// <param name="withBias">Whether the layer has the bias <c>b</c>.</param>
    /// <param name="dtype">The variables' dtype: Float16, Float32 or Float64.</param>
    /// <param name="seed">Seeds the GlorotUniform draw of <c>w</c>; null draws a random seed. Unused when <paramref name="v"/> is given.</param>
    /// <param name="v">Existing variables (e.g. a pretrained model's): exactly <c>w</c> and, with <paramref name="withBias"/>, <c>b</c>, of the shapes above and dtype <paramref name="dtype"/>; kept without copying.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputChannels"/> or <paramref name="outputChannels"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not floating, w would exceed the largest array, or <paramref name="v"/> has a missing, extra or wrongly shaped or typed entry (ParamName <c>v</c>).</exception>
    public Linear(int inputChannels, int outputChannels, bool withBias = true, DType dtype = DType.Float32, int? seed = null, Container? v = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputChannels);
        ArgumentOutOfRangeException.ThrowIfNegative(outputChannels);
        LayerVariables.RequireFloating(dtype);
        if ((long)inputChannels * outputChannels > Array.MaxLength)
        {
            throw new ArgumentException($"w would be ({outputChannels}, {inputChannels}), more than {Array.MaxLength} elements.", nameof(inputChannels));
        }

        InputChannels = inputChannels;
        OutputChannels = outputChannels;
        WithBias = withBias;
        DType = dtype;
        _variables = v is null ? Create(seed) : Validate(v);
    }

    /// <summary>in_features: the last axis of <see cref="Forward"/>'s input.</summary>
    public int InputChannels { get; }

    /// <summary>out_features: the last axis of the output.</summary>
    public int OutputChannels { get; }

    /// <summary>Whether the layer has the bias <c>b</c>.</summary>
    public bool WithBias { get; }

    /// <summary>The variables' dtype; inputs must have it too.</summary>
    public DType DType { get; }

    /// <summary>The weight <c>w</c>, (outputChannels, inputChannels).</summary>
    public IvyArray W => _variables.W;

    /// <summary>The bias <c>b</c>, (outputChannels,); null without bias.</summary>
    public IvyArray? B => _variables.B;

    /// <summary>
    /// The variables under Ivy's names, <c>w</c> and <c>b</c>, in a new container on every get (the arrays are the
    /// layer's own, not copies). Setting validates and replaces them, as <see cref="SetVariables"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Set: as <see cref="SetVariables"/>.</exception>
    public Container V
    {
        get
        {
            Variables current = _variables;
            var v = new Container { ["w"] = current.W };
            if (current.B is not null) v["b"] = current.B;
            return v;
        }

        set => SetVariables(value);
    }

    /// <summary>Replaces the variables with <paramref name="v"/>'s after checking them; discards any state prepared from the old ones.</summary>
    /// <param name="v">Exactly <c>w</c> (outputChannels, inputChannels) and, with bias, <c>b</c> (outputChannels,), in the layer's dtype.</param>
    /// <exception cref="ArgumentNullException"><paramref name="v"/> is null.</exception>
    /// <exception cref="ArgumentException">A missing, extra, wrongly shaped or typed entry (ParamName <c>v</c>); the layer is unchanged.</exception>
    public void SetVariables(Container v) => _variables = Validate(v);

    /// <summary>
    /// The layer applied to <paramref name="x"/>: <c>x · wᵀ + b</c>, the same bits as
    /// <c>Ivy.Linear(x, W, B, @out)</c>.
    /// </summary>
    /// <param name="x">(…, inputChannels) in the layer's dtype.</param>
    /// <param name="out">Receives the (…, outputChannels) result; returned when given.</param>
    /// <exception cref="ArgumentException">As <see cref="Ivy.Linear(IvyArray, IvyArray, IvyArray?, IvyArray?)"/>: x's last axis is not inputChannels (ParamName <c>weight</c> names the mismatch), its dtype is not the layer's, or <paramref name="out"/> is wrong.</exception>
    public IvyArray Forward(IvyArray x, IvyArray? @out = null) => Project(x, @out);

    /// <summary>The one path from the weights to a result: everything that prepares weights changes only this.</summary>
    private IvyArray Project(IvyArray x, IvyArray? @out)
    {
        // The function's validation, then the GEMM on the weights packed when they were set (same bits as packing now).
        Variables current = _variables;
        return Kernels.Ops.LinearKernel.Run(Planning.OpValidator.Linear(x, current.W, current.B, @out), Kernels.KernelSelector.Current, current.Prepared);
    }

    private Variables Create(int? seed)
    {
        // Ivy's GlorotUniform weight and zero bias.
        Random random = GlorotUniform.Source(seed);
        return Prepared(GlorotUniform.Weight(random, OutputChannels, InputChannels, DType), WithBias ? GlorotUniform.Zeros(OutputChannels, DType) : null);
    }

    private Variables Validate(Container v)
    {
        var w = new LayerVariables.Expected("w", [OutputChannels, InputChannels], "(outputChannels, inputChannels)");
        var b = new LayerVariables.Expected("b", [OutputChannels], "(outputChannels,)");
        IvyArray[] arrays = WithBias ? LayerVariables.Validate(v, "Linear", DType, w, b) : LayerVariables.Validate(v, "Linear (withBias: false)", DType, w);
        return Prepared(arrays[0], WithBias ? arrays[1] : null);
    }

    /// <summary>The variables with W and b packed for the kernel variant calls use now (others on their first call).</summary>
    private Variables Prepared(IvyArray w, IvyArray? b)
    {
        var prepared = new Kernels.Ops.PreparedLinear(w, b);
        // Packed panels are for the CPU GEMM: a weight on a device is computed by its device's backend.
        if (w.Size > 0 && w.Storage is not DeviceStorage)
        {
            if (DType == DType.Float64) prepared.For<double>(Kernels.KernelSelector.Current);
            else prepared.For<float>(Kernels.KernelSelector.Current);
        }

        return new Variables(w, b, prepared);
    }

    /// <summary>One immutable triple (the variables and their packed copy), swapped with a single reference write.</summary>
    private sealed record Variables(IvyArray W, IvyArray? B, Kernels.Ops.PreparedLinear Prepared);
}
