using IvySharp.Tests.Support;

namespace IvySharp.Tests.Validation;

/// <summary>
/// One test per error rule of the contract (§1–§9, checked as §10 demands): each call must throw an
/// <see cref="ArgumentException"/> (or subclass) whose <see cref="ArgumentException.ParamName"/> is the C#
/// parameter, whose message holds the expected and the given shape or dtype, and after which <c>@out</c>
/// still holds its sentinel and no input has changed. Every rejected call runs through the static facade
/// and, when batch-first, the instance method too.
/// </summary>
/// <remarks>
/// The base call is batched and batch-first: N = 2, L = 3, S = 5, Q = K = V = E = 4, H = 2 (d = 2), so
/// the output is (2, 3, 4). Each test breaks exactly one rule of an otherwise valid call.
/// </remarks>
public sealed class ErrorRuleTests
{
    private const int N = 2, L = 3, S = 5, E = 4, H = 2, D = 2;

    // Exactly representable in float16 as well, so the sentinel check is exact for every @out dtype.
    private const double Sentinel = 1234;

    // ---------------------------------------------------------------- §1 layout and dtypes

    [Fact]
    public void Query_null_is_rejected()
    {
        var ex = Rejects(Base() with { Query = null! }, "query");
        Assert.IsType<ArgumentNullException>(ex);
    }

    [Fact]
    public void Query_bool_dtype_is_rejected() =>
        Rejects(Base() with { Query = Bools(N, L, E) }, "query", "float16, float32 or float64", "bool");

    [Theory]
    [InlineData(new[] { 24 }, "(24,)")]
    [InlineData(new[] { 1, 2, 3, 4 }, "(1, 2, 3, 4)")]
    public void Query_rank_other_than_2_or_3_is_rejected(int[] shape, string shapeText) =>
        Rejects(Base() with { Query = F(shape) }, "query", "(L, Q)", "(N, L, Q)", shapeText);

    [Fact]
    public void Key_without_value_is_rejected() =>
        Rejects(Base() with { Value = null }, "value", "value is null", "(2, 5, 4)");

    [Fact]
    public void Value_without_key_is_rejected() =>
        Rejects(Base() with { Key = null }, "key", "key is null", "(2, 5, 4)");

    [Fact]
    public void Key_rank_differing_from_query_is_rejected() =>
        Rejects(Base() with { Key = F(S, E) }, "key", "rank 3", "(5, 4)");

    [Fact]
    public void Value_rank_differing_from_query_is_rejected() =>
        Rejects(Base() with { Value = F(1, N, S, E) }, "value", "rank 3", "(1, 2, 5, 4)");

    [Fact]
    public void Key_batch_size_differing_from_query_is_rejected() =>
        Rejects(Base() with { Key = F(3, S, E), Value = F(3, S, E) }, "key", "N = 2", "(3, 5, 4)");

    [Fact]
    public void Value_batch_size_differing_from_query_is_rejected() =>
        Rejects(Base() with { Value = F(1, S, E) }, "value", "N = 2", "(1, 5, 4)");

    [Fact]
    public void Key_batch_size_differing_in_sequence_first_layout_is_rejected()
    {
        // (L, N, Q) layout: N is axis 1. A key with N on axis 0 and 2 on axis 1 differs only there.
        var call = Base() with
        {
            BatchFirst = false, Query = F(L, N, E), Key = F(S, 3, E), Value = F(S, 3, E), Out = Sentinels(L, N, E),
        };
        Rejects(call, "key", "N = 2", "(5, 3, 4)");
    }

    [Fact]
    public void Value_length_differing_from_key_is_rejected() =>
        Rejects(Base() with { Value = F(N, S + 1, E) }, "value", "S = 5", "(2, 6, 4)");

    // Every floating argument must carry the query's dtype; the error names the offending argument.

    [Fact]
    public void Key_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { Key = F(DType.Float64, N, S, E) }, "key", "float32", "float64");

    [Fact]
    public void Value_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { Value = F(DType.Float16, N, S, E) }, "value", "float32", "float16");

    [Fact]
    public void Query_dtype_differing_from_self_attention_inputs_names_the_first_other_input()
    {
        // The query defines the call's dtype: with a float64 query and float32 key/value, key is the odd one out.
        var call = Base(DType.Float64) with { Key = F(N, S, E), Value = F(N, S, E) };
        Rejects(call, "key", "float64", "float32");
    }

    [Fact]
    public void Bool_key_is_rejected_as_a_dtype_mismatch() =>
        Rejects(Base() with { Key = Bools(N, S, E) }, "key", "float32", "bool");

    [Fact]
    public void InProjWeights_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { InProjWeights = F(DType.Float64, 3 * E, E) }, "inProjWeights", "float32", "float64");

    [Fact]
    public void QProjWeights_dtype_differing_from_query_is_rejected() =>
        Rejects(Separate() with { QProjWeights = F(DType.Float64, E, E) }, "qProjWeights", "float32", "float64");

    [Fact]
    public void KProjWeights_dtype_differing_from_query_is_rejected() =>
        Rejects(Separate() with { KProjWeights = F(DType.Float16, E, E) }, "kProjWeights", "float32", "float16");

    [Fact]
    public void VProjWeights_dtype_differing_from_query_is_rejected() =>
        Rejects(Separate() with { VProjWeights = Bools(E, E) }, "vProjWeights", "float32", "bool");

    [Fact]
    public void InProjBias_dtype_differing_from_query_is_rejected() =>
        Rejects(Packed() with { InProjBias = F(DType.Float64, 3 * E) }, "inProjBias", "float32", "float64");

    [Fact]
    public void OutProjWeights_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(DType.Float64, E, E) }, "outProjWeights", "float32", "float64");

    [Fact]
    public void OutProjBias_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(E, E), OutProjBias = F(DType.Float16, E) }, "outProjBias", "float32", "float16");

    [Fact]
    public void StaticK_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { StaticK = F(DType.Float64, N * H, S, D) }, "staticK", "float32", "float64");

    [Fact]
    public void StaticV_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { StaticV = F(DType.Float64, N * H, S, D) }, "staticV", "float32", "float64");

    [Fact]
    public void BiasK_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { BiasK = F(DType.Float64, E), BiasV = F(E) }, "biasK", "float32", "float64");

    [Fact]
    public void BiasV_dtype_differing_from_query_is_rejected() =>
        Rejects(Base() with { BiasK = F(E), BiasV = F(DType.Float16, E) }, "biasV", "float32", "float16");

    // ---------------------------------------------------------------- §2 input projection and E

    [Fact]
    public void InProjWeights_rows_not_divisible_by_3_are_rejected() =>
        Rejects(Base() with { InProjWeights = F(3 * E + 1, E) }, "inProjWeights", "(3E, Q)", "divisible by 3", "(13, 4)");

    [Fact]
    public void InProjWeights_width_other_than_Q_is_rejected() =>
        Rejects(Base() with { InProjWeights = F(3 * E, E + 1) }, "inProjWeights", "(3E, Q)", "Q = 4", "(12, 5)");

    [Fact]
    public void InProjWeights_rank_other_than_2_is_rejected() =>
        Rejects(Base() with { InProjWeights = F(3 * E * E) }, "inProjWeights", "(3E, Q)", "(48,)");

    [Fact]
    public void Key_width_differing_from_Q_with_packed_weights_is_rejected() =>
        Rejects(Packed() with { Key = F(N, S, E - 1) }, "key", "Q = 4", "(2, 5, 3)");

    [Fact]
    public void Value_width_differing_from_Q_with_packed_weights_is_rejected() =>
        Rejects(Packed() with { Value = F(N, S, E + 2) }, "value", "Q = 4", "(2, 5, 6)");

    [Fact]
    public void Separate_weights_without_qProjWeights_are_rejected() =>
        Rejects(Separate() with { QProjWeights = null }, "qProjWeights", "must be given together", "kProjWeights (4, 4)", "vProjWeights (4, 4)");

    [Fact]
    public void Separate_weights_without_kProjWeights_are_rejected() =>
        Rejects(Separate() with { KProjWeights = null }, "kProjWeights", "must be given together", "qProjWeights (4, 4)");

    [Fact]
    public void Separate_weights_without_vProjWeights_are_rejected() =>
        Rejects(Separate() with { VProjWeights = null }, "vProjWeights", "must be given together", "qProjWeights (4, 4) and kProjWeights (4, 4)");

    [Fact]
    public void Lone_vProjWeights_is_rejected_naming_the_first_missing_one() =>
        Rejects(Base() with { VProjWeights = F(E, E) }, "qProjWeights", "must be given together", "vProjWeights (4, 4)");

    [Fact]
    public void KProjWeights_rows_disagreeing_with_qProjWeights_are_rejected() =>
        Rejects(Separate() with { KProjWeights = F(E + 2, E) }, "kProjWeights", "(E, K) = (4, 4)", "(6, 4)");

    [Fact]
    public void VProjWeights_rows_disagreeing_with_qProjWeights_are_rejected() =>
        Rejects(Separate() with { VProjWeights = F(E - 2, E) }, "vProjWeights", "(E, V) = (4, 4)", "(2, 4)");

    [Fact]
    public void QProjWeights_width_other_than_Q_is_rejected() =>
        Rejects(Separate() with { QProjWeights = F(E, E + 1) }, "qProjWeights", "(E, Q)", "Q = 4", "(4, 5)");

    [Fact]
    public void KProjWeights_width_other_than_K_is_rejected()
    {
        // Separate weights allow K ≠ Q; here the key has K = 3, so kProjWeights must be (E, 3).
        var call = Separate() with { Key = F(N, S, 3) };
        Rejects(call, "kProjWeights", "(E, K) = (4, 3)", "(4, 4)");
    }

    [Fact]
    public void VProjWeights_width_other_than_V_is_rejected()
    {
        var call = Separate() with { Value = F(N, S, 6) };
        Rejects(call, "vProjWeights", "(E, V) = (4, 6)", "(4, 4)");
    }

    [Fact]
    public void InProjWeights_together_with_a_separate_weight_is_rejected() =>
        Rejects(Packed() with { KProjWeights = F(E, E) }, "inProjWeights", "(12, 4)", "kProjWeights (4, 4)", "not both");

    [Fact]
    public void InProjWeights_together_with_all_separate_weights_is_rejected() =>
        Rejects(Separate() with { InProjWeights = F(3 * E, E) }, "inProjWeights", "qProjWeights (4, 4)", "vProjWeights (4, 4)");

    [Fact]
    public void InProjBias_without_input_projection_is_rejected() =>
        Rejects(Base() with { InProjBias = F(3 * E) }, "inProjBias", "(12,)", "no input projection");

    [Fact]
    public void InProjBias_of_wrong_length_with_packed_weights_is_rejected() =>
        Rejects(Packed() with { InProjBias = F(E) }, "inProjBias", "(3E,) = (12,)", "(4,)");

    [Fact]
    public void InProjBias_of_wrong_rank_with_separate_weights_is_rejected() =>
        Rejects(Separate() with { InProjBias = F(3, E) }, "inProjBias", "(3E,) = (12,)", "(3, 4)");

    [Fact]
    public void Key_width_differing_from_E_without_projection_is_rejected() =>
        Rejects(Base() with { Key = F(N, S, E + 1) }, "key", "E = 4", "(2, 5, 5)");

    [Fact]
    public void Value_width_differing_from_E_without_projection_is_rejected() =>
        Rejects(Base() with { Value = F(N, S, E - 1) }, "value", "E = 4", "(2, 5, 3)");

    [Fact]
    public void Embedding_not_divisible_by_heads_is_rejected() =>
        Rejects(Base() with { NumHeads = 3 }, "numHeads", "divisible by number of heads", "E = 4", "numHeads = 3");

    [Fact]
    public void Projected_embedding_not_divisible_by_heads_is_rejected()
    {
        // E comes from the projection (6 rows), not from Q = 4: 6 % 4 ≠ 0.
        var call = Base() with { NumHeads = 4, QProjWeights = F(6, E), KProjWeights = F(6, E), VProjWeights = F(6, E) };
        Rejects(call, "numHeads", "divisible by number of heads", "E = 6", "numHeads = 4");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Fewer_than_one_head_is_rejected(int heads) =>
        Rejects(Base() with { NumHeads = heads }, "numHeads", "at least 1", $"got {heads}");

    // ---------------------------------------------------------------- §4 bias tokens and static keys/values

    [Fact]
    public void Lone_biasK_is_rejected() =>
        Rejects(Base() with { BiasK = F(E) }, "biasV", "given together", "biasK (4,)");

    [Fact]
    public void Lone_biasV_is_rejected() =>
        Rejects(Base() with { BiasV = F(E) }, "biasK", "given together", "biasV (4,)");

    [Fact]
    public void Bias_tokens_with_staticK_are_rejected() =>
        Rejects(Base() with { BiasK = F(E), BiasV = F(E), StaticK = F(N * H, S, D) }, "biasK", "bias cannot be added to static key or value");

    [Fact]
    public void Bias_tokens_with_staticV_are_rejected() =>
        Rejects(Base() with { BiasK = F(E), BiasV = F(E), StaticV = F(N * H, S, D) }, "biasK", "bias cannot be added to static key or value");

    [Fact]
    public void BiasK_of_wrong_length_is_rejected() =>
        Rejects(Base() with { BiasK = F(E - 1), BiasV = F(E) }, "biasK", "(E,) = (4,)", "(1, 1, 4)", "(3,)");

    [Fact]
    public void BiasV_of_wrong_shape_is_rejected() =>
        Rejects(Base() with { BiasK = F(E), BiasV = F(1, 2, E) }, "biasV", "(E,) = (4,)", "(1, 1, 4)", "(1, 2, 4)");

    [Fact]
    public void StaticK_with_wrong_batch_heads_is_rejected() =>
        Rejects(Base() with { StaticK = F(N * H - 1, S, D) }, "staticK", "(N·H, S_static, d) = (4, S_static, 2)", "(3, 5, 2)");

    [Fact]
    public void StaticK_with_wrong_head_width_is_rejected() =>
        Rejects(Base() with { StaticK = F(N * H, S, D + 1) }, "staticK", "(4, S_static, 2)", "(4, 5, 3)");

    [Fact]
    public void StaticK_of_wrong_rank_is_rejected() =>
        Rejects(Base() with { StaticK = F(N * H * S, D) }, "staticK", "(4, S_static, 2)", "(20, 2)");

    [Fact]
    public void StaticV_with_wrong_batch_heads_is_rejected() =>
        Rejects(Base() with { StaticV = F(N, S, D) }, "staticV", "(4, S_static, 2)", "(2, 5, 2)");

    [Fact]
    public void StaticV_with_wrong_head_width_is_rejected() =>
        Rejects(Base() with { StaticV = F(N * H, S, E) }, "staticV", "(4, S_static, 2)", "(4, 5, 4)");

    [Fact]
    public void StaticK_and_staticV_of_different_lengths_are_rejected() =>
        Rejects(Base() with { StaticK = F(N * H, 7, D), StaticV = F(N * H, 6, D) }, "staticV", "same length", "staticK has 7", "staticV has 6");

    [Fact]
    public void Lone_staticK_of_length_other_than_S_is_rejected() =>
        Rejects(Base() with { StaticK = F(N * H, 7, D) }, "staticK", "S_static = 7", "S = 5");

    [Fact]
    public void Lone_staticV_of_length_other_than_S_is_rejected() =>
        Rejects(Base() with { StaticV = F(N * H, 2, D) }, "staticV", "S_static = 2", "S = 5");

    // ---------------------------------------------------------------- §5 scale and masks

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void Non_finite_scale_is_rejected(double scale, string text) =>
        Rejects(Base() with { Scale = scale }, "scale", "finite", $"got {text}");

    /// <summary>float16/float32 calls compute in float32: a scale that is ∞ there is rejected like an infinite one; float64 keeps it.</summary>
    [Theory]
    [InlineData(DType.Float32, 1e39)]
    [InlineData(DType.Float16, -double.MaxValue)]
    public void Scale_beyond_float32_is_rejected_for_float32_compute(DType dtype, double scale) =>
        Rejects(Base(dtype) with { Scale = scale }, "scale", "finite in float32", "largest 3.4028235E+38", $"got {scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    [Fact]
    public void Scale_beyond_float32_is_accepted_for_float64_and_float32_max_for_float32()
    {
        Accepts(Base(DType.Float64) with { Scale = 1e300 });
        Accepts(Base() with { Scale = float.MaxValue });
    }

    [Fact]
    public void Attention_mask_2d_of_wrong_shape_is_rejected() =>
        Rejects(Base() with { AttentionMask = Bools(L, S + 1) }, "attentionMask", "(L, S) = (3, 5)", "(N·H, L, S) = (4, 3, 5)", "(3, 6)");

    [Fact]
    public void Attention_mask_3d_of_wrong_shape_is_rejected() =>
        Rejects(Base() with { AttentionMask = F(N, L, S) }, "attentionMask", "(L, S) = (3, 5)", "(N·H, L, S) = (4, 3, 5)", "(2, 3, 5)");

    [Theory]
    [InlineData(new[] { 15 }, "(15,)")]
    [InlineData(new[] { N, H, L, S }, "(2, 2, 3, 5)")]
    public void Attention_mask_of_rank_other_than_2_or_3_is_rejected(int[] shape, string shapeText) =>
        Rejects(Base() with { AttentionMask = Bools(shape) }, "attentionMask", "(L, S) = (3, 5)", shapeText);

    [Fact]
    public void Attention_mask_of_unbatched_call_uses_N_equal_1() =>
        Rejects(
            Unbatched() with { AttentionMask = F(N * H, L, S) },
            "attentionMask", "(N·H, L, S) = (2, 3, 5)", "unbatched", "(4, 3, 5)");

    [Fact]
    public void Attention_mask_refers_to_the_static_key_length()
    {
        // With staticK/staticV of length 7 the masks refer to S = 7, not to the key input's 5.
        var call = Base() with { StaticK = F(N * H, 7, D), StaticV = F(N * H, 7, D), AttentionMask = F(L, S) };
        Rejects(call, "attentionMask", "(L, S) = (3, 7)", "(3, 5)");
    }

    [Fact]
    public void Attention_mask_of_wrong_shape_is_rejected_even_when_causal_ignores_it() =>
        Rejects(Base() with { IsCausal = true, AttentionMask = Bools(L, L) }, "attentionMask", "(L, S) = (3, 5)", "(3, 3)");

    [Fact]
    public void Key_padding_mask_of_wrong_shape_for_batched_call_is_rejected() =>
        Rejects(Base() with { KeyPaddingMask = Bools(S) }, "keyPaddingMask", "(N, S) = (2, 5)", "(5,)");

    [Fact]
    public void Key_padding_mask_of_wrong_length_for_batched_call_is_rejected() =>
        Rejects(Base() with { KeyPaddingMask = F(N, S - 1) }, "keyPaddingMask", "(N, S) = (2, 5)", "(2, 4)");

    [Fact]
    public void Key_padding_mask_of_wrong_shape_for_unbatched_call_is_rejected() =>
        Rejects(Unbatched() with { KeyPaddingMask = Bools(1, S) }, "keyPaddingMask", "(S,) = (5,)", "(1, 5)");

    [Fact]
    public void Key_padding_mask_of_wrong_length_for_unbatched_call_is_rejected() =>
        Rejects(Unbatched() with { KeyPaddingMask = F(S + 2) }, "keyPaddingMask", "(S,) = (5,)", "(7,)");

    // ---------------------------------------------------------------- §6 dropout

    [Theory]
    [InlineData(-0.1, "-0.1", true)]
    [InlineData(1.5, "1.5", true)]
    [InlineData(double.NaN, "NaN", true)]
    [InlineData(double.PositiveInfinity, "Infinity", true)]
    [InlineData(-0.1, "-0.1", false)]
    [InlineData(double.NaN, "NaN", false)]
    public void Dropout_outside_0_to_1_or_NaN_is_rejected(double dropout, string text, bool training) =>
        Rejects(Base() with { Dropout = dropout, Training = training }, "dropout", "[0, 1]", $"got {text}");

    // ---------------------------------------------------------------- §7 output projection

    [Fact]
    public void OutProjBias_without_outProjWeights_is_rejected() =>
        Rejects(Base() with { OutProjBias = F(E) }, "outProjBias", "(4,)", "needs outProjWeights");

    [Fact]
    public void OutProjBias_of_wrong_shape_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(E, E), OutProjBias = F(E + 1) }, "outProjBias", "(O,) = (4,)", "(5,)");

    [Fact]
    public void OutProjWeights_width_other_than_E_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(E, E + 1) }, "outProjWeights", "(O, E)", "E = 4", "(4, 5)");

    [Fact]
    public void OutProjWeights_of_wrong_rank_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(E * E) }, "outProjWeights", "(O, E)", "(16,)");

    // ---------------------------------------------------------------- §9 out

    [Fact]
    public void Out_of_wrong_shape_is_rejected() =>
        Rejects(Base() with { Out = Sentinels(N, E, L) }, "out", "(2, 3, 4)", "(2, 4, 3)");

    [Fact]
    public void Out_in_batch_first_shape_for_sequence_first_call_is_rejected()
    {
        var call = Base() with
        {
            BatchFirst = false, Query = F(L, N, E), Key = F(S, N, E), Value = F(S, N, E), Out = Sentinels(N, L, E),
        };
        Rejects(call, "out", "(3, 2, 4)", "(2, 3, 4)");
    }

    [Fact]
    public void Out_without_the_projected_width_O_is_rejected() =>
        Rejects(Base() with { OutProjWeights = F(6, E) }, "out", "(2, 3, 6)", "(2, 3, 4)");

    [Fact]
    public void Out_of_bool_dtype_is_rejected()
    {
        var boolOut = IvyArray.From(Enumerable.Repeat(true, N * L * E).ToArray(), N, L, E);
        var ex = Rejects(Base() with { Out = boolOut }, "out", "float16, float32 or float64", "bool");
        Assert.All(boolOut.ToArray<bool>(), Assert.True);
        Assert.Contains("'out'", ex.Message);
    }

    // ---------------------------------------------------------------- sizes that cannot be held

    [Fact]
    public void Returned_weights_too_large_for_one_array_are_rejected_before_any_work()
    {
        // L = S = 50 000 with one head: 2.5·10⁹ weights exceed Array.MaxLength; the inputs are tiny.
        const int length = 50_000;
        var query = F(length, 1);
        var call = new MhaCall { Query = query, NumHeads = 1, ReturnAttentionWeights = true, Out = Sentinels(length, 1) };
        Rejects(call, "returnAttentionWeights", "attention weights", "2500000000");
    }

    [Fact]
    public void Output_too_large_for_one_array_is_rejected_before_any_work()
    {
        // (4096, 1) query projected to O = 2²⁰ features: 2³² outputs. Sizes are the query's call as a whole.
        var call = new MhaCall { Query = F(4096, 1), NumHeads = 1, OutProjWeights = F(1 << 20, 1) };
        Rejects(call, "query", "attention output", "4294967296");
    }

    // ---------------------------------------------------------------- boundaries that are not errors

    [Fact]
    public void Boundary_values_are_accepted()
    {
        // Each of these sits exactly on a rule's edge and must pass: dropout 0 and 1, scale 0, a
        // (1, 1, E) bias token, masks of another floating dtype, an @out of another floating dtype.
        Accepts(Base() with { Dropout = 0, Training = true });
        Accepts(Base() with { Dropout = 1, Training = true, Seed = 1 });
        Accepts(Base() with { Scale = 0 });
        Accepts(Base() with { BiasK = F(1, 1, E), BiasV = F(E) });
        Accepts(Base() with { AttentionMask = F(DType.Float64, L, S), KeyPaddingMask = F(DType.Float16, N, S) });
        Accepts(Base() with { AttentionMask = Bools(N * H, L, S) });
        Accepts(Base() with { Out = Sentinels(DType.Float64, N, L, E) });
        Accepts(Base() with { StaticK = F(N * H, 7, D), StaticV = F(N * H, 7, D), KeyPaddingMask = Bools(N, 7) });
        Accepts(Separate() with { Key = F(N, S, 3), KProjWeights = F(E, 3), InProjBias = F(3 * E) });
    }

    // ---------------------------------------------------------------- helpers

    private static MhaCall Base(DType dtype = DType.Float32) => new()
    {
        Query = F(dtype, N, L, E),
        Key = F(dtype, N, S, E),
        Value = F(dtype, N, S, E),
        NumHeads = H,
        Out = Sentinels(dtype, N, L, E),
    };

    private static MhaCall Packed() => Base() with { InProjWeights = F(3 * E, E) };

    private static MhaCall Separate() => Base() with { QProjWeights = F(E, E), KProjWeights = F(E, E), VProjWeights = F(E, E) };

    private static MhaCall Unbatched() => Base() with { Query = F(L, E), Key = F(S, E), Value = F(S, E), Out = Sentinels(L, E) };

    private static IvyArray F(params int[] shape) => F(DType.Float32, shape);

    // Distinct, non-trivial values so "no input changed" would notice any write.
    private static IvyArray F(DType dtype, params int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        return A.F(dtype, Enumerable.Range(0, count).Select(i => ((i * 7 % 11) - 5) / 8.0).ToArray(), shape);
    }

    private static IvyArray Bools(params int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        return A.B(Enumerable.Range(0, count).Select(i => i % 3 == 0).ToArray(), shape);
    }

    private static IvyArray Sentinels(params int[] shape) => Sentinels(DType.Float32, shape);

    private static IvyArray Sentinels(DType dtype, params int[] shape) =>
        A.F(dtype, Enumerable.Repeat(Sentinel, shape.Aggregate(1, (a, b) => a * b)).ToArray(), shape);

    /// <summary>
    /// Asserts the call throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> with every
    /// fragment in its message, and that afterwards every array of the call (inputs and @out) is unchanged and
    /// @out still holds the sentinel. Runs through the static facade and, for batch-first calls, the instance method.
    /// </summary>
    private static ArgumentException Rejects(MhaCall call, string paramName, params string[] fragments)
    {
        List<IvyArray> arrays = ArraysOf(call);
        List<double[]> before = arrays.Select(A.D).ToList();
        bool floatOut = call.Out is { DType: not DType.Bool };

        var routes = new List<Route> { Route.Static };
        if (call.Query is not null && (call.BatchFirst || call.Query.Rank != 3)) routes.Add(Route.Instance);

        ArgumentException? first = null;
        foreach (Route route in routes)
        {
            var ex = Assert.ThrowsAny<ArgumentException>(() => call.Invoke(route));
            Assert.Equal(paramName, ex.ParamName);
            foreach (string fragment in fragments)
            {
                Assert.True(ex.Message.Contains(fragment, StringComparison.Ordinal), $"[{route}] message lacks \"{fragment}\": {ex.Message}");
            }

            for (int i = 0; i < arrays.Count; i++) Assert.Equal(before[i], A.D(arrays[i]));
            if (floatOut) Assert.All(A.D(call.Out!), x => Assert.Equal(Sentinel, x));
            first ??= ex;
        }

        return first!;
    }

    private static void Accepts(MhaCall call)
    {
        var result = call.Invoke();
        if (call.Out is not null) Assert.Same(call.Out, result.Output);
    }

    private static List<IvyArray> ArraysOf(MhaCall c) =>
        new IvyArray?[]
        {
            c.Query, c.Key, c.Value, c.AttentionMask, c.InProjWeights, c.QProjWeights, c.KProjWeights, c.VProjWeights,
            c.OutProjWeights, c.InProjBias, c.OutProjBias, c.KeyPaddingMask, c.BiasK, c.BiasV, c.StaticK, c.StaticV, c.Out,
        }.OfType<IvyArray>().Distinct().ToList();
}
