using System.Diagnostics.CodeAnalysis;

namespace IvySharp;

/// <summary>
/// What <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/> returns: the attention output and, when
/// <c>returnAttentionWeights</c> was set, the attention weights. Converts implicitly to the output
/// (<c>IvyArray y = Ivy.MultiHeadAttention(x);</c>) and deconstructs into both
/// (<c>var (y, w) = Ivy.MultiHeadAttention(x, returnAttentionWeights: true);</c>).
/// </summary>
public sealed class MultiHeadAttentionResult
{
    internal MultiHeadAttentionResult(IvyArray output, IvyArray? weights)
    {
        Output = output;
        Weights = weights;
    }

    /// <summary>The attention output: <c>(L, O)</c> unbatched, <c>(N, L, O)</c> batch-first, <c>(L, N, O)</c> otherwise. It is <c>@out</c> when one was given.</summary>
    public IvyArray Output { get; }

    /// <summary>
    /// The attention weights (after dropout), batch-first: averaged <c>(N, L, S′)</c> / unbatched <c>(L, S′)</c>,
    /// or per head <c>(N, H, L, S′)</c> / <c>(H, L, S′)</c>. Non-null exactly when <c>returnAttentionWeights</c> was true.
    /// </summary>
    public IvyArray? Weights { get; }

    /// <summary>Deconstructs into <see cref="Output"/> and <see cref="Weights"/>.</summary>
    public void Deconstruct(out IvyArray output, out IvyArray? weights)
    {
        output = Output;
        weights = Weights;
    }

    /// <summary>The attention output (<see cref="Output"/>); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(result))]
    public static implicit operator IvyArray?(MultiHeadAttentionResult? result) => result?.Output;

    /// <summary>The output's text; see <see cref="IvyArray.ToString"/>.</summary>
    public override string ToString() => Weights is null ? Output.ToString() : $"({Output}, {Weights})";
}
