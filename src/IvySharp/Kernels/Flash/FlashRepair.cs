using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using IvySharp.Internal;
using IvySharp.Kernels.Pipeline;
using IvySharp.Kernels.Plain;

namespace IvySharp.Kernels.Flash;

/// <summary>
/// Recomputes the query rows the core marked inexact (<see cref="CoreProblem{T}.InexactScores"/> and <see cref="CoreProblem{T}.InexactValues"/>, see
/// <see cref="FlashGuards{T}"/>) with the plain core's row operations (<see cref="PlainCore{T}.Weights"/>,
/// <see cref="PlainCore{T}.Attend"/>), in the contract's literal order. Reads the core's own q, k and v buffers
/// and writes the attended rows and weights in place, so the output projection that follows is the same for
/// every row. Runs only when some row was marked.
/// </summary>
internal static class FlashRepair<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void Run(CoreProblem<T> p)
    {
        bool[]? scores = p.InexactScores, values = p.InexactValues;
        if (scores is not null || values is not null) Repair(p, scores, values);
    }

    // Its own method: the lambdas' closure is allocated where the captured locals are declared, so in Run it was
    // allocated on every call, the many with no marked row included.
    private static void Repair(CoreProblem<T> p, bool[]? scores, bool[]? values)
    {
        bool Scores(int row) => scores is not null && scores[row];
        bool Marked(int row) => Scores(row) || (values is not null && values[row]);

        // Items: one marked (n, h, i), or with head-averaged weights and a marked score, the (n, i) average over
        // every head (recomputed whole, its marked heads' attended rows with it).
        bool average = p.Weights is not null && p.AverageWeights;
        var heads = new List<int>();
        var averages = new List<int>();
        for (int n = 0; n < p.N; n++)
        {
            for (int i = 0; i < p.L; i++)
            {
                int first = (n * p.H * p.L) + i;
                if (average && Enumerable.Range(0, p.H).Any(h => Scores(first + (h * p.L))))
                {
                    averages.Add((n * p.L) + i);
                    continue;
                }

                for (int h = 0; h < p.H; h++)
                {
                    if (Marked(first + (h * p.L))) heads.Add(first + (h * p.L));
                }
            }
        }

        ParallelPolicy.For(heads.Count + averages.Count, 4L * p.SPrime * p.D * (averages.Count > 0 ? p.H : 1), k =>
        {
            T[] buffer = ArrayPool<T>.Shared.Rent(p.SPrime + p.D);
            try
            {
                Span<T> row = buffer.AsSpan(0, p.SPrime), scratch = buffer.AsSpan(p.SPrime, p.D);
                if (k < heads.Count)
                {
                    int item = heads[k], i = item % p.L, nh = item / p.L;
                    PlainCore<T>.Weights(p, nh / p.H, nh % p.H, i, row, scratch);
                    PlainCore<T>.Attend(p, nh / p.H, nh % p.H, i, row);

                    // A row marked for its values only keeps the core's weights (they are exact).
                    if (Scores(item) && p.Weights is not null && !average) row.CopyTo(p.Weights.AsSpan(item * p.SPrime, p.SPrime));
                    return;
                }

                int averaged = averages[k - heads.Count], sample = averaged / p.L, query = averaged % p.L;
                Span<T> target = p.Weights.AsSpan(averaged * p.SPrime, p.SPrime);
                target.Clear();
                for (int h = 0; h < p.H; h++)
                {
                    PlainCore<T>.Weights(p, sample, h, query, row, scratch);
                    if (Marked((((sample * p.H) + h) * p.L) + query)) PlainCore<T>.Attend(p, sample, h, query, row);
                    TensorPrimitives.Add(target, row, target);
                }

                TensorPrimitives.Divide(target, T.CreateChecked(p.H), target);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(buffer);
            }
        });
    }
}
