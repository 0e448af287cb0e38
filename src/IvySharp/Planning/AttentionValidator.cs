using System.Globalization;
using IvySharp.Internal;

namespace IvySharp.Planning;

/// <summary>
/// Contract §10: every rule of §1–§9 that says "error", checked before any work, each naming the
/// C# parameter and what was expected versus given. The result is an <see cref="AttentionPlan"/>.
/// </summary>
internal static partial class AttentionValidator
{
    public static AttentionPlan Validate(in AttentionArguments<IvyArray> a)
    {
        // §1 query
        ArgumentNullException.ThrowIfNull(a.Query, "query");
        IvyArray query = a.Query;
        DType dtype = query.DType;
        if (!dtype.IsFloating())
        {
            throw Fail("query", $"query must be float16, float32 or float64; got {dtype.Name()}.");
        }

        if (query.Rank is not (2 or 3))
        {
            throw Fail("query", $"query must be (L, Q) unbatched or (N, L, Q) / (L, N, Q) batched; got rank {query.Rank} shape {ShapeText.Of(query.ShapeSpan)}.");
        }

        bool batched = query.Rank == 3;
        bool batchFirst = a.BatchFirst;
        int n = batched ? (batchFirst ? query.ShapeSpan[0] : query.ShapeSpan[1]) : 1;
        int l = batched ? (batchFirst ? query.ShapeSpan[1] : query.ShapeSpan[0]) : query.ShapeSpan[0];
        int qFeatures = query.ShapeSpan[^1];
        string layout = !batched ? "(S, features)" : batchFirst ? "(N, S, features)" : "(S, N, features)";

        // §1 key / value
        if ((a.Key is null) != (a.Value is null))
        {
            string missing = a.Key is null ? "key" : "value";
            string given = a.Key is null ? "value" : "key";
            IvyArray givenArray = (a.Key ?? a.Value)!;
            throw Fail(missing, $"{missing} is null but {given} is given with shape {ShapeText.Of(givenArray.ShapeSpan)}: give both (cross-attention) or neither (self-attention, key = value = query).");
        }

        IvyArray key = a.Key ?? query;
        IvyArray value = a.Value ?? query;
        RequireDType(key, "key", dtype);
        RequireDType(value, "value", dtype);
        foreach ((IvyArray array, string name) in (ReadOnlySpan<(IvyArray, string)>)[(key, "key"), (value, "value")])
        {
            if (array.Rank != query.Rank)
            {
                throw Fail(name, $"{name} must have the query's rank {query.Rank} {layout}; got shape {ShapeText.Of(array.ShapeSpan)}.");
            }

            int arrayN = batched ? (batchFirst ? array.ShapeSpan[0] : array.ShapeSpan[1]) : 1;
            if (arrayN != n)
            {
                throw Fail(name, $"{name} must have batch size N = {n} like query {ShapeText.Of(query.ShapeSpan)}; got shape {ShapeText.Of(array.ShapeSpan)}.");
            }
        }

        int sInput = batched ? (batchFirst ? key.ShapeSpan[1] : key.ShapeSpan[0]) : key.ShapeSpan[0];
        int valueS = batched ? (batchFirst ? value.ShapeSpan[1] : value.ShapeSpan[0]) : value.ShapeSpan[0];
        if (valueS != sInput)
        {
            throw Fail("value", $"value must have the key's length S = {sInput} (key {ShapeText.Of(key.ShapeSpan)}); got shape {ShapeText.Of(value.ShapeSpan)}.");
        }

        int kFeatures = key.ShapeSpan[^1];
        int vFeatures = value.ShapeSpan[^1];

        // Scalars
        if (a.NumHeads < 1)
        {
            throw Fail("numHeads", $"numHeads must be at least 1; got {a.NumHeads}.");
        }

        if (a.Scale is double s && !double.IsFinite(s))
        {
            throw Fail("scale", $"scale must be finite or null; got {s.ToString(CultureInfo.InvariantCulture)}.");
        }

        // float16 and float32 calls compute in float32, where such a scale would be ∞ (an infinite scale is an error).
        if (a.Scale is double big && dtype != DType.Float64 && float.IsInfinity((float)big))
        {
            throw Fail("scale", $"scale must be finite in float32, the compute type of {dtype.Name()} inputs (largest {float.MaxValue.ToString(CultureInfo.InvariantCulture)}); got {big.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (double.IsNaN(a.Dropout) || a.Dropout < 0 || a.Dropout > 1)
        {
            throw Fail("dropout", $"dropout must be in [0, 1]; got {a.Dropout.ToString(CultureInfo.InvariantCulture)}.");
        }

        // §2 projections
        var (route, e) = ValidateProjections(a, dtype, qFeatures, kFeatures, vFeatures);
        int h = a.NumHeads;
        if (e % h != 0)
        {
            throw Fail("numHeads", $"features must be divisible by number of heads: E = {e} is not divisible by numHeads = {h}.");
        }

        int d = e / h;

        // §4 extra columns and static keys
        int s0 = ValidateStatic(a, dtype, n, h, d, sInput);
        ValidateBiasTokens(a, dtype, e);
        bool hasBias = a.BiasK is not null;
        long sPrime = (long)s0 + (hasBias ? 1 : 0) + (a.AddZeroAttn ? 1 : 0);

        // §5 masks
        MaskPlan? attentionMask = ValidateAttentionMask(a.AttentionMask, batched, n, h, l, s0);
        MaskPlan? keyPaddingMask = ValidateKeyPaddingMask(a.KeyPaddingMask, batched, n, s0);

        // §7 output projection
        int o = e;
        if (a.OutProjWeights is { } wo)
        {
            RequireDType(wo, "outProjWeights", dtype);
            if (wo.Rank != 2 || wo.ShapeSpan[1] != e)
            {
                throw Fail("outProjWeights", $"outProjWeights must be (O, E) with E = {e}; got {ShapeText.Of(wo.ShapeSpan)}.");
            }

            o = wo.ShapeSpan[0];
        }

        if (a.OutProjBias is { } bo)
        {
            if (a.OutProjWeights is null)
            {
                throw Fail("outProjBias", $"outProjBias {ShapeText.Of(bo.ShapeSpan)} needs outProjWeights: there is no output projection to add it to.");
            }

            RequireDType(bo, "outProjBias", dtype);
            if (bo.Rank != 1 || bo.ShapeSpan[0] != o)
            {
                throw Fail("outProjBias", $"outProjBias must be (O,) = ({o},); got {ShapeText.Of(bo.ShapeSpan)}.");
            }
        }

        // §7, §8 result shapes, and sizes that must fit the int-indexed buffers, checked before anything
        // is allocated. Products saturate instead of wrapping: zero-size inputs can carry dimensions whose
        // product overflows even a long (e.g. query (2³⁰, 2³⁰, 0) with outProjWeights (2³⁰, 0)).
        RequireFits("numHeads", "batch × heads N·H (the first axis of staticK/staticV and of the per-head weights)", Product(n, h));
        RequireFits("key", "key columns S′ (one score row)", sPrime);
        RequireFits("query", "attention output", Product(n, l, o));
        RequireFits("query", "projected queries", Product(n, l, e));
        RequireFits("key", "projected keys and values", Product(n, sPrime, e));
        ReadOnlySpan<int> outputShape = !batched ? [l, o] : batchFirst ? [n, l, o] : [l, n, o];
        int[]? weightsShape = null;
        if (a.ReturnAttentionWeights)
        {
            RequireFits("returnAttentionWeights", "attention weights", Product(n, l, sPrime, a.AverageAttentionWeights ? 1 : h));
            int columns = (int)sPrime;
            weightsShape = a.AverageAttentionWeights
                ? (batched ? [n, l, columns] : [l, columns])
                : (batched ? [n, h, l, columns] : [h, l, columns]);
        }

        // §9 out
        if (a.Out is { } output)
        {
            if (!output.DType.IsFloating())
            {
                throw Fail("out", $"out must have a floating dtype (float16, float32 or float64); got {output.DType.Name()}.");
            }

            if (!output.ShapeSpan.SequenceEqual(outputShape))
            {
                throw Fail("out", $"out must have the output shape {ShapeText.Of(outputShape)}; got {ShapeText.Of(output.ShapeSpan)}.");
            }

            if (output.Storage.OverlappingAxis() is int axis)
            {
                throw Fail("out", $"out is a view whose elements share memory (axis {axis} of shape {ShapeText.Of(output.ShapeSpan)} has a zero or overlapping stride, as a broadcast tensor does); it cannot receive a result. Give an array or a tensor view without overlapping elements.");
            }
        }

        return new AttentionPlan
        {
            DType = dtype,
            Batched = batched,
            BatchFirst = batchFirst,
            N = n,
            L = l,
            SInput = sInput,
            S = s0,
            SPrime = (int)sPrime,
            QFeatures = qFeatures,
            KFeatures = kFeatures,
            VFeatures = vFeatures,
            E = e,
            H = h,
            O = o,
            Query = query,
            Key = key,
            Value = value,
            Route = route,
            InProjWeights = a.InProjWeights,
            QProjWeights = a.QProjWeights,
            KProjWeights = a.KProjWeights,
            VProjWeights = a.VProjWeights,
            InProjBias = a.InProjBias,
            OutProjWeights = a.OutProjWeights,
            OutProjBias = a.OutProjBias,
            BiasK = a.BiasK,
            BiasV = a.BiasV,
            StaticK = a.StaticK,
            StaticV = a.StaticV,
            AddZeroAttn = a.AddZeroAttn,
            Scale = a.Scale ?? (d == 0 ? 1.0 : 1.0 / Math.Sqrt(d)),
            IsCausal = a.IsCausal,
            AttentionMask = a.IsCausal ? null : attentionMask,
            KeyPaddingMask = keyPaddingMask,
            Dropout = a.Training ? a.Dropout : 0.0,
            Seed = a.Seed is int seed ? unchecked((ulong)seed) : (ulong)Random.Shared.NextInt64(),
            ReturnWeights = a.ReturnAttentionWeights,
            AverageWeights = a.AverageAttentionWeights,
            Out = a.Out,
            WeightsShape = weightsShape,
        };
    }

    internal static ArgumentException Fail(string paramName, string message) => new(message, paramName);

    private static void RequireDType(IvyArray array, string name, DType dtype)
    {
        if (array.DType != dtype)
        {
            throw Fail(name, $"{name} must have the query's dtype {dtype.Name()}; got {array.DType.Name()}.");
        }
    }

    private static void RequireFits(string paramName, string what, long count)
    {
        if (count > Array.MaxLength)
        {
            string size = count == long.MaxValue ? $"more than {long.MaxValue}" : count.ToString(CultureInfo.InvariantCulture);
            throw Fail(paramName, $"The {what} would hold {size} elements; at most {Array.MaxLength} fit in one array.");
        }
    }

    /// <summary>The product of non-negative factors, or <see cref="long.MaxValue"/> when it does not fit a long; 0 when any factor is 0.</summary>
    private static long Product(params ReadOnlySpan<long> factors)
    {
        foreach (long f in factors)
        {
            if (f == 0) return 0;
        }

        long product = 1;
        foreach (long f in factors)
        {
            if (product > long.MaxValue / f) return long.MaxValue;
            product *= f;
        }

        return product;
    }
}
