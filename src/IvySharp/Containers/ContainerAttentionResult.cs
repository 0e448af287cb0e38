using System.Diagnostics.CodeAnalysis;

namespace IvySharp;

/// <summary>
/// What a nestable <see cref="Ivy.MultiHeadAttention(Nestable, Nestable?, Nestable?, bool, int, double?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, Nestable?, Nestable?, Nestable?, Nestable?, Nestable?, bool, bool, bool, double, bool, Nestable?, int?, IReadOnlyList{string}?, bool, bool, bool)"/>
/// call returns: a container of outputs and, with <c>returnAttentionWeights</c>, a container of weights.
/// Converts implicitly to the outputs (<c>Container y = c.MultiHeadAttention(...);</c>) and deconstructs into
/// both (<c>var (y, w) = c.MultiHeadAttention(returnAttentionWeights: true);</c>).
/// </summary>
public sealed class ContainerAttentionResult
{
    internal ContainerAttentionResult(Container output, Container? weights)
    {
        Output = output;
        Weights = weights;
    }

    /// <summary>
    /// One output per computed leaf at the leaf's key chain (a list of outputs for a mapped list leaf). A leaf
    /// not computed is kept as the query's node there, unchanged, unless <c>pruneUnapplied</c> dropped it.
    /// Where <c>@out</c> was given, each computed leaf is the <c>@out</c> leaf it was written into.
    /// </summary>
    public Container Output { get; }

    /// <summary>
    /// The weights of every computed leaf at the same key chains as <see cref="Output"/> (leaves that were not
    /// computed have none). Non-null exactly when <c>returnAttentionWeights</c> was true.
    /// </summary>
    public Container? Weights { get; }

    /// <summary>Deconstructs into <see cref="Output"/> and <see cref="Weights"/>.</summary>
    public void Deconstruct(out Container output, out Container? weights)
    {
        output = Output;
        weights = Weights;
    }

    /// <summary>The outputs (<see cref="Output"/>); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(result))]
    public static implicit operator Container?(ContainerAttentionResult? result) => result?.Output;

    /// <summary>The outputs' text, and the weights' when present.</summary>
    public override string ToString() => Weights is null ? Output.ToString() : $"({Output}, {Weights})";
}
