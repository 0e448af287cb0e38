using IvySharp.Internal;

namespace IvySharp.Planning;

internal static partial class AttentionValidator
{
    /// <summary>§2: picks the projection route and returns E.</summary>
    private static (ProjectionRoute Route, int E) ValidateProjections(
        in AttentionArguments<IvyArray> a, DType dtype, int qFeatures, int kFeatures, int vFeatures)
    {
        bool anySeparate = a.QProjWeights is not null || a.KProjWeights is not null || a.VProjWeights is not null;
        if (a.InProjWeights is { } w)
        {
            if (anySeparate)
            {
                throw Fail("inProjWeights", $"inProjWeights {ShapeText.Of(w.ShapeSpan)} cannot be combined with {GivenSeparateWeights(a)}; give the packed (3E, Q) matrix or the three separate ones, not both.");
            }

            RequireDType(w, "inProjWeights", dtype);
            if (w.Rank != 2 || w.ShapeSpan[0] % 3 != 0 || w.ShapeSpan[1] != qFeatures)
            {
                throw Fail("inProjWeights", $"inProjWeights must be (3E, Q) with Q = {qFeatures} and rows divisible by 3; got {ShapeText.Of(w.ShapeSpan)}.");
            }

            int e = w.ShapeSpan[0] / 3;
            if (kFeatures != qFeatures)
            {
                throw Fail("key", $"With inProjWeights, key features must equal the query's Q = {qFeatures}; got {kFeatures} (key shape {ShapeText.Of(KeyOrQuery(a).ShapeSpan)}).");
            }

            if (vFeatures != qFeatures)
            {
                throw Fail("value", $"With inProjWeights, value features must equal the query's Q = {qFeatures}; got {vFeatures} (value shape {ShapeText.Of(ValueOrQuery(a).ShapeSpan)}).");
            }

            ValidateInProjBias(a.InProjBias, dtype, e);
            return (ProjectionRoute.Packed, e);
        }

        if (anySeparate)
        {
            string? missing = a.QProjWeights is null ? "qProjWeights" : a.KProjWeights is null ? "kProjWeights" : a.VProjWeights is null ? "vProjWeights" : null;
            if (missing is not null)
            {
                throw Fail(missing, $"{missing} is missing: qProjWeights, kProjWeights and vProjWeights must be given together; got only {GivenSeparateWeights(a)}.");
            }

            IvyArray wq = a.QProjWeights!, wk = a.KProjWeights!, wv = a.VProjWeights!;
            RequireDType(wq, "qProjWeights", dtype);
            RequireDType(wk, "kProjWeights", dtype);
            RequireDType(wv, "vProjWeights", dtype);
            if (wq.Rank != 2 || wq.ShapeSpan[1] != qFeatures)
            {
                throw Fail("qProjWeights", $"qProjWeights must be (E, Q) with Q = {qFeatures}; got {ShapeText.Of(wq.ShapeSpan)}.");
            }

            int e = wq.ShapeSpan[0];
            if (wk.Rank != 2 || wk.ShapeSpan[0] != e || wk.ShapeSpan[1] != kFeatures)
            {
                throw Fail("kProjWeights", $"kProjWeights must be (E, K) = ({e}, {kFeatures}); got {ShapeText.Of(wk.ShapeSpan)}.");
            }

            if (wv.Rank != 2 || wv.ShapeSpan[0] != e || wv.ShapeSpan[1] != vFeatures)
            {
                throw Fail("vProjWeights", $"vProjWeights must be (E, V) = ({e}, {vFeatures}); got {ShapeText.Of(wv.ShapeSpan)}.");
            }

            ValidateInProjBias(a.InProjBias, dtype, e);
            return (ProjectionRoute.Separate, e);
        }

        if (a.InProjBias is not null)
        {
            throw Fail("inProjBias", $"inProjBias {ShapeText.Of(a.InProjBias.ShapeSpan)} needs inProjWeights or qProjWeights/kProjWeights/vProjWeights: there is no input projection to add it to.");
        }

        if (kFeatures != qFeatures)
        {
            throw Fail("key", $"Without input projection, key features must equal E = {qFeatures} (the query's); got {kFeatures} (key shape {ShapeText.Of(KeyOrQuery(a).ShapeSpan)}).");
        }

        if (vFeatures != qFeatures)
        {
            throw Fail("value", $"Without input projection, value features must equal E = {qFeatures} (the query's); got {vFeatures} (value shape {ShapeText.Of(ValueOrQuery(a).ShapeSpan)}).");
        }

        return (ProjectionRoute.None, qFeatures);
    }

    private static IvyArray KeyOrQuery(in AttentionArguments<IvyArray> a) => (a.Key ?? a.Query)!;

    private static IvyArray ValueOrQuery(in AttentionArguments<IvyArray> a) => (a.Value ?? a.Query)!;

    // Names the separate projection weights a call gave, with their shapes, for the error messages above.
    private static string GivenSeparateWeights(in AttentionArguments<IvyArray> a)
    {
        var given = new List<string>(3);
        if (a.QProjWeights is { } q) given.Add($"qProjWeights {ShapeText.Of(q.ShapeSpan)}");
        if (a.KProjWeights is { } k) given.Add($"kProjWeights {ShapeText.Of(k.ShapeSpan)}");
        if (a.VProjWeights is { } v) given.Add($"vProjWeights {ShapeText.Of(v.ShapeSpan)}");
        return string.Join(" and ", given);
    }

    private static void ValidateInProjBias(IvyArray? bias, DType dtype, int e)
    {
        if (bias is null) return;
        RequireDType(bias, "inProjBias", dtype);
        if (bias.Rank != 1 || bias.ShapeSpan[0] != 3L * e)
        {
            throw Fail("inProjBias", $"inProjBias must be (3E,) = ({3L * e},); got {ShapeText.Of(bias.ShapeSpan)}.");
        }
    }

    /// <summary>§4 static keys/values; returns the key length S the masks refer to.</summary>
    private static int ValidateStatic(in AttentionArguments<IvyArray> a, DType dtype, int n, int h, int d, int sInput)
    {
        int? staticS = null;
        foreach ((IvyArray? array, string name) in (ReadOnlySpan<(IvyArray?, string)>)[(a.StaticK, "staticK"), (a.StaticV, "staticV")])
        {
            if (array is null) continue;
            RequireDType(array, name, dtype);
            if (array.Rank != 3 || array.ShapeSpan[0] != (long)n * h || array.ShapeSpan[2] != d)
            {
                throw Fail(name, $"{name} must be (N·H, S_static, d) = ({(long)n * h}, S_static, {d}); got {ShapeText.Of(array.ShapeSpan)}.");
            }

            int length = array.ShapeSpan[1];
            if (staticS is int previous && previous != length)
            {
                throw Fail(name, $"staticK and staticV must have the same length S_static; staticK has {previous}, staticV has {length}.");
            }

            staticS = length;
        }

        if (staticS is int sStatic && (a.StaticK is null || a.StaticV is null) && sStatic != sInput)
        {
            string name = a.StaticK is not null ? "staticK" : "staticV";
            string other = a.StaticK is not null ? "value" : "key";
            throw Fail(name, $"Keys and values must have the same length: {name} has S_static = {sStatic} but the projected {other} has S = {sInput}.");
        }

        return a.StaticK is not null ? a.StaticK.ShapeSpan[1] : sInput;
    }

    /// <summary>§4 bias tokens: both or neither, (E,) or (1, 1, E), never with static keys/values.</summary>
    private static void ValidateBiasTokens(in AttentionArguments<IvyArray> a, DType dtype, int e)
    {
        if (a.BiasK is null && a.BiasV is null) return;
        if (a.BiasK is null || a.BiasV is null)
        {
            string missing = a.BiasK is null ? "biasK" : "biasV";
            string given = a.BiasK is null ? "biasV" : "biasK";
            IvyArray givenArray = (a.BiasK ?? a.BiasV)!;
            throw Fail(missing, $"{missing} is missing: biasK and biasV must be given together; got only {given} {ShapeText.Of(givenArray.ShapeSpan)}.");
        }

        if (a.StaticK is not null || a.StaticV is not null)
        {
            throw Fail("biasK", "bias cannot be added to static key or value: give biasK/biasV or staticK/staticV, not both.");
        }

        foreach ((IvyArray array, string name) in (ReadOnlySpan<(IvyArray, string)>)[(a.BiasK, "biasK"), (a.BiasV, "biasV")])
        {
            RequireDType(array, name, dtype);
            bool vector = array.Rank == 1 && array.ShapeSpan[0] == e;
            bool boxed = array.Rank == 3 && array.ShapeSpan[0] == 1 && array.ShapeSpan[1] == 1 && array.ShapeSpan[2] == e;
            if (!vector && !boxed)
            {
                throw Fail(name, $"{name} must be (E,) = ({e},) or (1, 1, {e}); got {ShapeText.Of(array.ShapeSpan)}.");
            }
        }
    }

    private static MaskPlan? ValidateAttentionMask(IvyArray? mask, bool batched, int n, int h, int l, int s)
    {
        if (mask is null) return null;
        long nh = (long)n * h;
        bool twoD = mask.Rank == 2 && mask.ShapeSpan[0] == l && mask.ShapeSpan[1] == s;
        bool threeD = mask.Rank == 3 && mask.ShapeSpan[0] == nh && mask.ShapeSpan[1] == l && mask.ShapeSpan[2] == s;
        if (!twoD && !threeD)
        {
            // The message is built only here: a valid call allocates no string.
            throw Fail("attentionMask", $"attentionMask must be (L, S) = ({l}, {s}) or (N·H, L, S) = ({nh}, {l}, {s}){(batched ? "" : " (unbatched: N = 1)")}; got {ShapeText.Of(mask.ShapeSpan)}.");
        }

        return new MaskPlan(mask, mask.DType == DType.Bool, threeD);
    }

    private static MaskPlan? ValidateKeyPaddingMask(IvyArray? mask, bool batched, int n, int s)
    {
        if (mask is null) return null;
        bool ok = batched
            ? mask.Rank == 2 && mask.ShapeSpan[0] == n && mask.ShapeSpan[1] == s
            : mask.Rank == 1 && mask.ShapeSpan[0] == s;
        if (!ok)
        {
            string expected = batched ? $"(N, S) = ({n}, {s})" : $"(S,) = ({s},)";
            throw Fail("keyPaddingMask", $"keyPaddingMask must be {expected}; got {ShapeText.Of(mask.ShapeSpan)}.");
        }

        return new MaskPlan(mask, mask.DType == DType.Bool, PerBatchHead: false);
    }
}
