using System.Numerics.Tensors;
using static IvySharp.Tests.Containers.Fixtures;

namespace IvySharp.Tests.Containers;

/// <summary>
/// Pins which <c>Ivy.MultiHeadAttention</c> overload each combination of argument types binds to, by the
/// static type of the result: <see cref="MultiHeadAttentionResult"/> is the array overload,
/// <see cref="ContainerAttentionResult"/> the nestable one. Each of these calls compiling at all is part of
/// the test (an ambiguity would be a compile error).
/// </summary>
public sealed class OverloadResolutionTests
{
    private static readonly IvyArray X = R(1, 2, 3, 4);
    private static readonly Tensor<float> T = Tensor.Create(X.ToArray<float>(), [2, 3, 4]);
    private static readonly Container C = new() { ["a"] = R(2, 2, 3, 4), ["b/c"] = R(3, 2, 5, 4) };

    private static Type StaticTypeOf<TResult>(TResult _) => typeof(TResult);

    [Fact]
    public void Array_and_tensor_only_calls_bind_to_the_array_overload()
    {
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(X, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(X, X, X, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(X, key: null, value: null, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(T, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(T, T, T, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(X, T, X, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(T, X, T, numHeads: 2, @out: IvyArray.Zeros(DType.Float32, 2, 3, 4))));
        MultiHeadAttentionResult first = Ivy.MultiHeadAttention(X, numHeads: 2);
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(first, numHeads: 2)));
        Assert.Equal(typeof(MultiHeadAttentionResult), StaticTypeOf(X.MultiHeadAttention(numHeads: 2)));
    }

    [Fact]
    public void The_array_overload_result_is_the_plain_array_call()
    {
        // Same call, same code path: bit-identical, and no container machinery in between.
        MultiHeadAttentionResult viaTensor = Ivy.MultiHeadAttention(T, numHeads: 2);
        Same(Ivy.MultiHeadAttention(X, numHeads: 2).Output, viaTensor.Output);
    }

    [Fact]
    public void Any_container_argument_binds_to_the_nestable_overload()
    {
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(C, numHeads: 2)));
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(X, key: C, value: C, numHeads: 2)));
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(T, key: C, value: C, numHeads: 2)));
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(C, T, T, numHeads: 2)));
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(C.MultiHeadAttention(numHeads: 2)));
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(C.MultiHeadAttention(T, X, numHeads: 2)));
        ContainerAttentionResult first = C.MultiHeadAttention(numHeads: 2);
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(first, numHeads: 2)));
        Nestable query = C;
        Assert.Equal(typeof(ContainerAttentionResult), StaticTypeOf(Ivy.MultiHeadAttention(query, numHeads: 2)));
    }

    [Fact]
    public void A_mask_or_out_container_alone_selects_the_nestable_overload()
    {
        var masks = new Container { ["m1"] = Mask(4, 2, 3), ["m2"] = Mask(5, 2, 3) };
        ContainerAttentionResult result = Ivy.MultiHeadAttention(X, numHeads: 2, keyPaddingMask: masks);
        Assert.Equal(["m1", "m2"], result.Output.KeyChains);
        Same(Ivy.MultiHeadAttention(X, numHeads: 2, keyPaddingMask: masks["m2"].AsArray()).Output, result.Output["m2"]);
    }

    [Fact]
    public void Nestable_reports_what_it_holds()
    {
        Nestable fromArray = X, fromContainer = C, fromTensor = T;
        Assert.False(fromArray.IsContainer);
        Assert.Same(X, fromArray.Array);
        Assert.True(fromContainer.IsContainer);
        Assert.Same(C, fromContainer.Container);
        Assert.Equal(X.Shape, fromTensor.Array!.Shape);
        Assert.Null((Nestable?)(IvyArray?)null);
    }

    [Fact]
    public void The_nestable_overload_without_any_container_is_an_error_not_a_silent_array_call()
    {
        Nestable query = X;
        var e = Assert.Throws<ArgumentException>(() => Ivy.MultiHeadAttention(query, numHeads: 2));
        Assert.Equal("query", e.ParamName);
        Assert.Contains("No argument is a Container", e.Message);
        Assert.Throws<ArgumentNullException>(() => Ivy.MultiHeadAttention((Nestable)null!, key: C, value: C));
    }
}
