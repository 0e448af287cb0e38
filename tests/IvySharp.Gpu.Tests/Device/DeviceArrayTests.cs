using IvySharp.Gpu.Tests.Support;
using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Gpu.Tests.Device;

/// <summary>
/// The device API on ILGPU's CPU accelerator: arrays move to <c>gpu:*</c> and back unchanged, calls run where their
/// arrays live and return arrays there, arrays on two devices are an error naming the argument, and the containers
/// and the layer follow their arrays.
/// </summary>
public sealed class DeviceArrayTests
{
    private static string Device => GpuDevices.CpuAccelerator;

    [Fact]
    public void Every_dtype_goes_to_the_device_and_back_unchanged()
    {
        Half[] halves = [(Half)1.5, Half.NaN, Half.NegativeInfinity, (Half)(-0.0), Half.Epsilon, Half.MaxValue];
        float[] floats = [1.5f, float.NaN, -0f, float.Epsilon, float.MaxValue, 3.25f];
        double[] doubles = [1.5, double.NaN, -0.0, double.Epsilon, double.MaxValue, 1e-300];
        bool[] flags = [true, false, true, true, false, false];
        AssertRoundTrip(IvyArray.From(halves, 2, 3), halves);
        AssertRoundTrip(IvyArray.From(floats, 3, 2), floats);
        AssertRoundTrip(IvyArray.From(doubles, 6), doubles);
        AssertRoundTrip(IvyArray.From(flags, 1, 6), flags);
    }

    [Fact]
    public void Device_names_where_an_array_lives_and_moving_to_the_same_device_is_the_same_array()
    {
        IvyArray host = IvyArray.From(new float[] { 1, 2 }, 2);
        Assert.Equal("cpu", host.Device);
        Assert.Same(host, host.ToDevice("cpu"));
        IvyArray onDevice = host.ToDevice(Device);
        Assert.Equal(Device, onDevice.Device);
        Assert.Same(onDevice, onDevice.ToDevice(Device));
        Assert.Equal([1.0, 2.0], A.D(onDevice));
        Assert.Equal(2.0, onDevice[1]);
        Assert.Contains("ivy.array([1, 2]", onDevice.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_unavailable_devices_are_argument_errors()
    {
        IvyArray host = IvyArray.From(new float[] { 1 }, 1);
        var unknown = Assert.Throws<ArgumentException>(() => host.ToDevice("tpu:0"));
        Assert.Equal("device", unknown.ParamName);
        var missing = Assert.Throws<ArgumentException>(() => host.ToDevice("gpu:77"));
        Assert.Contains("not available", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("key"), InlineData("attentionMask"), InlineData("outProjWeights"), InlineData("out")]
    public void An_argument_on_another_device_than_the_query_is_named(string argument)
    {
        var call = new MhaCall { Query = A.F(DType.Float32, [1, 0, 0, 1], 2, 2), NumHeads = 1 }.OnDevice(Device);
        IvyArray hostSquare = A.F(DType.Float32, [1, 2, 3, 4], 2, 2);
        call = argument switch
        {
            "key" => call with { Key = hostSquare, Value = call.Query },
            "attentionMask" => call with { AttentionMask = hostSquare },
            "outProjWeights" => call with { OutProjWeights = hostSquare },
            _ => call with { Out = hostSquare },
        };

        var error = Assert.Throws<ArgumentException>(() => call.Invoke());
        Assert.Equal(argument, error.ParamName);
        Assert.Contains("cpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_on_the_device_receives_the_result_converted_to_its_dtype()
    {
        IvyArray query = A.F(DType.Float32, [1, 0, 0, 1], 2, 2).ToDevice(Device);
        IvyArray same = IvyArray.Zeros(DType.Float32, 2, 2).ToDevice(Device), wider = IvyArray.Zeros(DType.Float64, 2, 2).ToDevice(Device);
        Assert.Same(same, Ivy.MultiHeadAttention(query, numHeads: 1, @out: same).Output);
        Assert.Same(wider, Ivy.MultiHeadAttention(query, numHeads: 1, @out: wider).Output);
        double[] expected = [0.669762, 0.330238, 0.330238, 0.669762];
        Assert.Equal(expected, A.D(same), (a, e) => Math.Abs(a - e) < 1e-6);
        Assert.Equal(expected, A.D(wider), (a, e) => Math.Abs(a - e) < 1e-6);

        // @out may be the query itself (contract §9).
        IvyArray aliased = A.F(DType.Float32, [1, 0, 0, 1], 2, 2).ToDevice(Device);
        Ivy.MultiHeadAttention(aliased, numHeads: 1, @out: aliased);
        Assert.Equal(expected, A.D(aliased), (a, e) => Math.Abs(a - e) < 1e-6);
    }

    [Fact]
    public void Container_leaves_run_where_they_live()
    {
        var queries = new Container
        {
            ["gpu"] = A.F(DType.Float32, [1, 0, 0, 1], 2, 2).ToDevice(Device),
            ["host"] = A.F(DType.Float32, [1, 0, 0, 1], 2, 2),
        };
        var (outputs, weights) = queries.MultiHeadAttention(numHeads: 2, returnAttentionWeights: true);
        Assert.Equal(Device, outputs["gpu"].AsArray().Device);
        Assert.Equal("cpu", outputs["host"].AsArray().Device);
        Assert.Equal(A.D(outputs["host"].AsArray()), A.D(outputs["gpu"].AsArray()), (a, e) => Math.Abs(a - e) < 1e-6);
        Assert.Equal(Device, weights!["gpu"].AsArray().Device);
    }

    [Fact]
    public void The_layer_runs_on_the_device_when_its_variables_and_input_live_there()
    {
        var layer = new IvySharp.Layers.MultiHeadAttention(embedDim: 8, numHeads: 2, training: false, seed: 3);
        IvyArray x = IvyArray.From(Enumerable.Range(0, 2 * 3 * 8).Select(i => MathF.Sin(i)).ToArray(), 2, 3, 8);
        double[] host = A.D(layer.Forward(x).Output);
        layer.V = layer.V.Map((_, variable) => variable.ToDevice(Device));
        IvyArray y = layer.Forward(x.ToDevice(Device)).Output;
        Assert.Equal(Device, y.Device);
        Assert.Equal(host, A.D(y), (a, e) => Math.Abs(a - e) < 1e-5);
    }

    [Fact]
    public void A_host_backend_asking_for_a_device_operands_memory_is_a_bug_that_throws()
    {
        using Operand<float> operand = Operand<float>.Of(IvyArray.From(new float[] { 1 }, 1).ToDevice(Device));
        Assert.NotNull(operand.Device);
        Assert.Throws<InvalidOperationException>(() => operand.Span.Length);
    }

    private static void AssertRoundTrip<T>(IvyArray host, T[] values)
    {
        IvyArray onDevice = host.ToDevice(Device);
        Assert.Equal(host.DType, onDevice.DType);
        Assert.Equal(host.Shape, onDevice.Shape);
        IvyArray back = onDevice.ToDevice("cpu");
        Assert.Equal("cpu", back.Device);
        Assert.Equal(values, back.ToArray<T>());
    }
}
