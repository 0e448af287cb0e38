namespace IvySharp.Benchmarks.Cases;

/// <summary>
/// One case's inputs and parameters, shared by every peer (each converts them once, outside the timing).
/// Layouts follow IvySharp/PyTorch: activations batch-first (N, L, ·); weights (out, in); static K/V (N·H, S, d).
/// </summary>
internal sealed class CaseData
{
    private CaseData(BenchCase shape) => Case = shape;

    /// <summary>The shape this data was made for.</summary>
    public BenchCase Case { get; }

    /// <summary>(N, L, Q).</summary>
    public float[] Query { get; private init; } = [];

    /// <summary>(N, S, K); null for self-attention and static K/V.</summary>
    public float[]? Key { get; private init; }

    /// <summary>(N, S, V); null for self-attention and static K/V.</summary>
    public float[]? Value { get; private init; }

    /// <summary>(3E, Q) packed (self-attention and static K/V, where only the first E rows are used), else null.</summary>
    public float[]? InProjWeights { get; private init; }

    /// <summary>Separate (E, Q), (E, K), (E, V) weights for cross-attention, else null.</summary>
    public float[]? QWeights { get; private init; }

    /// <inheritdoc cref="QWeights"/>
    public float[]? KWeights { get; private init; }

    /// <inheritdoc cref="QWeights"/>
    public float[]? VWeights { get; private init; }

    /// <summary>(3E,) when there is an in-projection.</summary>
    public float[]? InProjBias { get; private init; }

    /// <summary>(E, E) and (E,) when there is an out-projection.</summary>
    public float[]? OutWeights { get; private init; }

    /// <inheritdoc cref="OutWeights"/>
    public float[]? OutBias { get; private init; }

    /// <summary>(N·H, S, d) cached keys and values for <see cref="ProjectionKind.StaticKeyValue"/>.</summary>
    public float[]? StaticK { get; private init; }

    /// <inheritdoc cref="StaticK"/>
    public float[]? StaticV { get; private init; }

    /// <summary>(N, S), true = padding, when the case has a key padding mask.</summary>
    public bool[]? Padding { get; private init; }

    /// <summary>Deterministic data: inputs uniform in [−1, 1), weights scaled by 1/√fan-in so softmax stays soft.</summary>
    public static CaseData Create(BenchCase c, int seed = 20261126)
    {
        var random = new Random(seed);
        bool projects = c.Projection != ProjectionKind.None;
        bool cross = c.Projection == ProjectionKind.SeparateCross;
        return new CaseData(c)
        {
            Query = Uniform(random, c.N * c.L * c.QueryWidth, 1f),
            Key = cross ? Uniform(random, c.N * c.S * c.KeyWidth, 1f) : null,
            Value = cross ? Uniform(random, c.N * c.S * c.ValueWidth, 1f) : null,
            InProjWeights = projects && !cross ? Uniform(random, 3 * c.E * c.QueryWidth, Fan(c.QueryWidth)) : null,
            QWeights = cross ? Uniform(random, c.E * c.QueryWidth, Fan(c.QueryWidth)) : null,
            KWeights = cross ? Uniform(random, c.E * c.KeyWidth, Fan(c.KeyWidth)) : null,
            VWeights = cross ? Uniform(random, c.E * c.ValueWidth, Fan(c.ValueWidth)) : null,
            InProjBias = projects ? Uniform(random, 3 * c.E, 0.1f) : null,
            OutWeights = projects ? Uniform(random, c.O * c.E, Fan(c.E)) : null,
            OutBias = projects ? Uniform(random, c.O, 0.1f) : null,
            StaticK = c.Projection == ProjectionKind.StaticKeyValue ? Uniform(random, c.N * c.H * c.S * c.D, 1f) : null,
            StaticV = c.Projection == ProjectionKind.StaticKeyValue ? Uniform(random, c.N * c.H * c.S * c.D, 1f) : null,
            Padding = c.KeyPadding ? PaddingMask(c) : null,
        };
    }

    /// <summary>Rows [first, first + count) of a row-major (rows, columns) matrix, copied.</summary>
    public static float[] Rows(float[] matrix, int first, int count, int columns) =>
        matrix.AsSpan(first * columns, count * columns).ToArray();

    /// <summary>The transpose of a row-major (rows, columns) matrix: ONNX MatMul wants (in, out).</summary>
    public static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) result[(c * rows) + r] = matrix[(r * columns) + c];
        }

        return result;
    }

    private static float Fan(int inFeatures) => 1f / MathF.Sqrt(inFeatures);

    private static float[] Uniform(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = ((random.NextSingle() * 2f) - 1f) * scale;
        return values;
    }

    private static bool[] PaddingMask(BenchCase c)
    {
        var mask = new bool[c.N * c.S];
        for (int n = 0; n < c.N; n++)
        {
            for (int s = c.ValidKeys(n); s < c.S; s++) mask[(n * c.S) + s] = true;
        }

        return mask;
    }
}
