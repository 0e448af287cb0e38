using System.Numerics;
using System.Numerics.Tensors;
using IvySharp.Internal;
using IvySharp.Planning;

namespace IvySharp.Kernels;

/// <summary>
/// The plain path's input projections: y = x·Wᵀ + b one output feature at a time (a vectorised dot
/// product each), written straight into the head-major (N, H, tokens, d) layout the attention rows read.
/// </summary>
internal static class SimpleProjection<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Projects (or, with no weights, copies) one input into head-major rows [0, tokens) of <paramref name="destination"/>.</summary>
    /// <param name="plan">The call.</param>
    /// <param name="input">Query, key or value in the call's layout.</param>
    /// <param name="features">Width of one input row.</param>
    /// <param name="tokens">Rows per sample in the input (L or S).</param>
    /// <param name="isQuery">Selects the query or key/value row mapping.</param>
    /// <param name="weights">The weight matrix holding this projection's rows, or null for no projection.</param>
    /// <param name="weightRow">First of the E rows of <paramref name="weights"/> that belong to this projection.</param>
    /// <param name="bias">The bias vector holding this projection's entries, or null.</param>
    /// <param name="destination">(N, H, destinationTokens, d).</param>
    /// <param name="destinationTokens">Rows per (sample, head) in the destination (L, or S′ for keys/values).</param>
    public static void Project(
        AttentionPlan plan, Operand<T> input, int features, int tokens, bool isQuery,
        Operand<T>? weights, int weightRow, Operand<T>? bias, T[] destination, int destinationTokens)
    {
        int e = plan.E, h = plan.H, d = plan.D;
        ParallelPolicy.For(plan.N * tokens, 2L * features * e, item =>
        {
            int n = item / tokens, t = item - (n * tokens);
            int row = isQuery ? plan.QueryRow(n, t) : plan.KeyRow(n, t);
            ReadOnlySpan<T> x = input.Span.Slice(row * features, features);
            ReadOnlySpan<T> w = weights is null ? default : weights.Span;
            ReadOnlySpan<T> b = bias is null ? default : bias.Span;
            for (int f = 0; f < e; f++)
            {
                T y = weights is null ? x[f] : TensorPrimitives.Dot(x, w.Slice((weightRow + f) * features, features));
                if (bias is not null) y += b[weightRow + f];
                int head = f / d, c = f - (head * d);
                destination[((((n * h) + head) * destinationTokens) + t) * d + c] = y;
            }
        });
    }

    /// <summary>Copies static keys/values (N·H, S, d) into rows [0, S) of the (N, H, S′, d) buffer.</summary>
    public static void CopyStatic(AttentionPlan plan, Operand<T> source, T[] destination)
    {
        int rows = plan.S * plan.D;
        ReadOnlySpan<T> s = source.Span;
        for (int nh = 0; nh < plan.N * plan.H; nh++)
        {
            s.Slice(nh * rows, rows).CopyTo(destination.AsSpan(nh * plan.SPrime * plan.D, rows));
        }
    }

    /// <summary>Fills the bias token (row S, when given) and the zero token (last row, when asked) of every (sample, head).</summary>
    public static void AppendExtraColumns(AttentionPlan plan, Operand<T>? biasToken, T[] destination)
    {
        int d = plan.D;
        for (int nh = 0; nh < plan.N * plan.H; nh++)
        {
            int head = nh % plan.H;
            int column = plan.S;
            if (biasToken is not null)
            {
                biasToken.Span.Slice(head * d, d).CopyTo(destination.AsSpan(((nh * plan.SPrime) + column) * d, d));
                column++;
            }

            if (plan.AddZeroAttn)
            {
                destination.AsSpan(((nh * plan.SPrime) + column) * d, d).Clear();
            }
        }
    }
}
