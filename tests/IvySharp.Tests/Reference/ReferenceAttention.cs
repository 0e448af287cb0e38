using IvySharp.Kernels.Rules;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reference;

/// <summary>The reference's answer: output and (when asked for) weights as float64, with their shapes.</summary>
public sealed record ReferenceResult(double[] Output, int[] OutputShape, double[]? Weights, int[]? WeightsShape);

/// <summary>
/// The float64 reference for <see cref="Ivy.MultiHeadAttention(IvyArray, IvyArray?, IvyArray?, bool, int, double?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, IvyArray?, IvyArray?, IvyArray?, IvyArray?, IvyArray?, bool, bool, bool, double, bool, IvyArray?, int?)"/>, written plainly from the contract
/// (docs/contract.md §1–§9) in the spirit of flash-attention's <c>attention_ref</c>: every input is
/// upcast exactly to double, then straight nested loops, no SIMD, no tiling, no buffers shared with
/// the library. The only library code it uses is <see cref="DropoutHash"/>, because the contract
/// defines the dropout keep/drop decision as that hash of (seed, flat (n, h, i, j) index).
/// It does not validate: tests give it valid calls only.
/// </summary>
public static class ReferenceAttention
{
    /// <summary>Computes the call in float64.</summary>
    public static ReferenceResult Compute(MhaCall call)
    {
        // §1 layout. Unbatched input is computed as N = 1; batchFirst matters only when batched.
        IvyArray queryArray = call.Query;
        IvyArray keyArray = call.Key ?? call.Query;
        IvyArray valueArray = call.Value ?? call.Query;
        bool batched = queryArray.Rank == 3;
        bool batchFirst = !batched || call.BatchFirst;
        int[] qShape = queryArray.Shape, kShape = keyArray.Shape, vShape = valueArray.Shape;
        int n = batched ? (batchFirst ? qShape[0] : qShape[1]) : 1;
        int l = batched ? (batchFirst ? qShape[1] : qShape[0]) : qShape[0];
        int sInput = batched ? (batchFirst ? kShape[1] : kShape[0]) : kShape[0];
        int qFeatures = qShape[^1], kFeatures = kShape[^1], vFeatures = vShape[^1];
        double[] query = queryArray.ToArray<double>();
        double[] key = keyArray.ToArray<double>();
        double[] value = valueArray.ToArray<double>();

        // Row of token t of sample b in an input laid out as the call's layout.
        int Row(int b, int t, int tokens) => batchFirst ? (b * tokens) + t : (t * n) + b;

        // §2 input projection: y = x·Wᵀ + b, W laid out (out_features, in_features).
        double[]? inBias = call.InProjBias?.ToArray<double>();
        double[]? wq, wk, wv;
        int e, qRow = 0, kRow = 0, vRow = 0;
        if (call.InProjWeights is not null)
        {
            wq = wk = wv = call.InProjWeights.ToArray<double>();
            e = call.InProjWeights.Shape[0] / 3;
            kRow = e;
            vRow = 2 * e;
        }
        else if (call.QProjWeights is not null)
        {
            wq = call.QProjWeights.ToArray<double>();
            wk = call.KProjWeights!.ToArray<double>();
            wv = call.VProjWeights!.ToArray<double>();
            e = call.QProjWeights.Shape[0];
        }
        else
        {
            wq = wk = wv = null;
            e = qFeatures;
        }

        int h = call.NumHeads;
        int d = e / h;

        // Projected (not yet head-split) q, k, v as [sample][token][feature]. The in-projection bias
        // splits in three like the weights: [0, E) query, [E, 2E) key, [2E, 3E) value.
        double[,,] q = Project(query, qFeatures, l, wq, qRow, inBias, 0);
        double[,,] kProjected = Project(key, kFeatures, sInput, wk, kRow, inBias, e);
        double[,,] vProjected = Project(value, vFeatures, sInput, wv, vRow, inBias, 2 * e);

        double[,,] Project(double[] x, int features, int tokens, double[]? w, int firstRow, double[]? bias, int biasOffset)
        {
            var y = new double[n, tokens, e];
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < tokens; t++)
                {
                    int row = Row(b, t, tokens);
                    for (int f = 0; f < e; f++)
                    {
                        double sum;
                        if (w is null)
                        {
                            sum = x[(row * features) + f];
                        }
                        else
                        {
                            sum = 0;
                            for (int c = 0; c < features; c++) sum += x[(row * features) + c] * w[((firstRow + f) * features) + c];
                        }

                        if (bias is not null) sum += bias[biasOffset + f];
                        y[b, t, f] = sum;
                    }
                }
            }

            return y;
        }

        // §4 key columns: the S keys (static ones replace the projected, head-split keys/values and set
        // S = S_static), then the bias token, then the zero token.
        double[]? staticK = call.StaticK?.ToArray<double>();
        double[]? staticV = call.StaticV?.ToArray<double>();
        int s = call.StaticK is not null ? call.StaticK.Shape[1] : sInput;
        bool hasBiasTokens = call.BiasK is not null;
        double[]? biasK = call.BiasK?.ToArray<double>();
        double[]? biasV = call.BiasV?.ToArray<double>();
        int sPrime = s + (hasBiasTokens ? 1 : 0) + (call.AddZeroAttn ? 1 : 0);

        // Head-split keys and values [sample][head][column][channel]; head h uses features [h·d, (h+1)·d).
        var k = new double[n, h, sPrime, d];
        var v = new double[n, h, sPrime, d];
        for (int b = 0; b < n; b++)
        {
            for (int head = 0; head < h; head++)
            {
                for (int j = 0; j < sPrime; j++)
                {
                    for (int c = 0; c < d; c++)
                    {
                        int feature = (head * d) + c;
                        double kj, vj;
                        if (j < s)
                        {
                            int staticOffset = (((((b * h) + head) * s) + j) * d) + c;
                            kj = staticK is not null ? staticK[staticOffset] : kProjected[b, j, feature];
                            vj = staticV is not null ? staticV[staticOffset] : vProjected[b, j, feature];
                        }
                        else if (hasBiasTokens && j == s)
                        {
                            kj = biasK![feature];
                            vj = biasV![feature];
                        }
                        else
                        {
                            kj = 0; // the zero token
                            vj = 0;
                        }

                        k[b, head, j, c] = kj;
                        v[b, head, j, c] = vj;
                    }
                }
            }
        }

        // §5 masks over the first S columns. Floating masks are added; a bool mask's true entries mark the
        // position masked out: it gets −∞ (assigned, not added, so a NaN score at a masked key is dropped too).
        double scale = call.Scale ?? (1.0 / Math.Sqrt(d));
        IvyArray? attentionMaskArray = call.IsCausal ? null : call.AttentionMask;
        double[]? attentionMask = attentionMaskArray?.ToArray<double>();
        bool attentionMaskIsBool = attentionMaskArray?.DType == DType.Bool;
        bool maskPerBatchHead = call.AttentionMask is { Rank: 3 };
        double[]? paddingMask = call.KeyPaddingMask?.ToArray<double>();
        bool paddingMaskIsBool = call.KeyPaddingMask?.DType == DType.Bool;

        // §5–§6 per (sample, head, query row): scores, masks, stable softmax, dropout, weighted sum.
        bool dropoutActive = call.Training && call.Dropout > 0;
        ulong seed = unchecked((ulong)(call.Seed ?? 0));
        var weights = new double[n, h, l, sPrime];
        var attended = new double[n, l, e];
        var scores = new double[sPrime];
        for (int b = 0; b < n; b++)
        {
            for (int head = 0; head < h; head++)
            {
                for (int i = 0; i < l; i++)
                {
                    for (int j = 0; j < sPrime; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += q[b, i, (head * d) + c] * k[b, head, j, c];
                        double score = scale * dot;
                        if (j < s)
                        {
                            bool maskedOut = false;

                            // Causal: query i sees key j only when j ≤ i (top-left aligned); the given
                            // attention mask is then ignored. Bias and zero columns are never masked.
                            if (call.IsCausal && j > i) maskedOut = true;
                            if (attentionMask is not null)
                            {
                                int maskOffset = (maskPerBatchHead ? ((b * h) + head) * l * s : 0) + (i * s) + j;
                                if (!attentionMaskIsBool) score += attentionMask[maskOffset];
                                else if (attentionMask[maskOffset] != 0) maskedOut = true;
                            }

                            if (paddingMask is not null)
                            {
                                if (!paddingMaskIsBool) score += paddingMask[(b * s) + j];
                                else if (paddingMask[(b * s) + j] != 0) maskedOut = true;
                            }

                            if (maskedOut) score = double.NegativeInfinity;
                        }

                        scores[j] = score;
                    }

                    double max = double.NegativeInfinity;
                    for (int j = 0; j < sPrime; j++) max = Math.Max(max, scores[j]);

                    // A fully masked row (every column −∞) gets weights 0, hence attended 0, never NaN.
                    bool fullyMasked = double.IsNegativeInfinity(max);
                    double total = 0;
                    for (int j = 0; j < sPrime; j++)
                    {
                        scores[j] = fullyMasked ? 0 : Math.Exp(scores[j] - max);
                        total += scores[j];
                    }

                    for (int j = 0; j < sPrime; j++)
                    {
                        double weight = fullyMasked ? 0 : scores[j] / total;
                        if (dropoutActive)
                        {
                            // Dropout is defined by the counter-based hash of (seed, flat index into the
                            // (N, H, L, S′) weights); survivors are scaled by 1/(1 − p), p = 1 drops all.
                            ulong index = (ulong)((((((long)b * h) + head) * l) + i) * sPrime) + (ulong)j;
                            weight = DropoutHash.Drop(seed, index, call.Dropout) ? 0 : weight * (1.0 / (1.0 - call.Dropout));
                        }

                        weights[b, head, i, j] = weight;
                    }

                    for (int c = 0; c < d; c++)
                    {
                        double sum = 0;
                        for (int j = 0; j < sPrime; j++)
                        {
                            // A weight of exactly 0 (masked or dropped key) contributes nothing, not 0·v:
                            // the library skips zero weights so that a masked key whose value row holds
                            // NaN or ∞ has no influence; the reference mirrors that.
                            double weight = weights[b, head, i, j];
                            if (weight == 0) continue;
                            sum += weight * v[b, head, j, c];
                        }

                        attended[b, i, (head * d) + c] = sum;
                    }
                }
            }
        }

        // §7 output projection and layout.
        double[]? wo = call.OutProjWeights?.ToArray<double>();
        double[]? bo = call.OutProjBias?.ToArray<double>();
        int o = call.OutProjWeights is not null ? call.OutProjWeights.Shape[0] : e;
        int[] outputShape = !batched ? [l, o] : call.BatchFirst ? [n, l, o] : [l, n, o];
        var output = new double[n * l * o];
        for (int b = 0; b < n; b++)
        {
            for (int i = 0; i < l; i++)
            {
                int row = Row(b, i, l);
                for (int f = 0; f < o; f++)
                {
                    double y;
                    if (wo is null)
                    {
                        y = attended[b, i, f];
                    }
                    else
                    {
                        y = 0;
                        for (int c = 0; c < e; c++) y += attended[b, i, c] * wo[(f * e) + c];
                        if (bo is not null) y += bo[f];
                    }

                    output[(row * o) + f] = y;
                }
            }
        }

        if (!call.ReturnAttentionWeights) return new ReferenceResult(output, outputShape, null, null);

        // §8 weights: always batch-first; averaged = sum over heads / H, or per head.
        double[] returned;
        int[] weightsShape;
        if (call.AverageAttentionWeights)
        {
            returned = new double[n * l * sPrime];
            for (int b = 0; b < n; b++)
            {
                for (int i = 0; i < l; i++)
                {
                    for (int j = 0; j < sPrime; j++)
                    {
                        double sum = 0;
                        for (int head = 0; head < h; head++) sum += weights[b, head, i, j];
                        returned[(((b * l) + i) * sPrime) + j] = sum / h;
                    }
                }
            }

            weightsShape = batched ? [n, l, sPrime] : [l, sPrime];
        }
        else
        {
            returned = new double[n * h * l * sPrime];
            for (int b = 0; b < n; b++)
            {
                for (int head = 0; head < h; head++)
                {
                    for (int i = 0; i < l; i++)
                    {
                        for (int j = 0; j < sPrime; j++) returned[(((((b * h) + head) * l) + i) * sPrime) + j] = weights[b, head, i, j];
                    }
                }
            }

            weightsShape = batched ? [n, h, l, sPrime] : [h, l, sPrime];
        }

        return new ReferenceResult(output, outputShape, returned, weightsShape);
    }
}
