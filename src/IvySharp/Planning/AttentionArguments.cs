namespace IvySharp.Planning;

/// <summary>
/// The 27 arguments of one multi-head attention call. Every public facade fills one of these once; validation,
/// planning and the container path take it whole, so no other code lists the parameters again.
/// <typeparamref name="TArray"/> is the type of the array-valued arguments: <see cref="IvyArray"/> for a call the
/// validator checks, <see cref="Nestable"/> for a nestable call, which <see cref="Select{TResult}"/> turns into one
/// <see cref="IvyArray"/> call per leaf.
/// </summary>
/// <remarks>
/// Each member is the public parameter of the same name in PascalCase (<see cref="Out"/> is <c>@out</c>), documented
/// on <c>Ivy.MultiHeadAttention</c>. The members keep the public parameter order: the container path aligns the
/// array arguments in this order, and the first container among them is the one structural errors compare with.
/// </remarks>
internal readonly record struct AttentionArguments<TArray>(
    TArray? Query,
    TArray? Key,
    TArray? Value,
    bool BatchFirst,
    int NumHeads,
    double? Scale,
    TArray? AttentionMask,
    TArray? InProjWeights,
    TArray? QProjWeights,
    TArray? KProjWeights,
    TArray? VProjWeights,
    TArray? OutProjWeights,
    TArray? InProjBias,
    TArray? OutProjBias,
    bool IsCausal,
    TArray? KeyPaddingMask,
    TArray? BiasK,
    TArray? BiasV,
    TArray? StaticK,
    TArray? StaticV,
    bool AddZeroAttn,
    bool ReturnAttentionWeights,
    bool AverageAttentionWeights,
    double Dropout,
    bool Training,
    TArray? Out,
    int? Seed)
    where TArray : class
{
    /// <summary>
    /// The C# parameter names of the array-valued arguments in declaration order, <c>"query"</c> to <c>"out"</c>:
    /// the names errors carry as <see cref="ArgumentException.ParamName"/>. Computed from <see cref="Select{TResult}"/>
    /// on each use, so the library holds no static table of them.
    /// </summary>
    public static IEnumerable<string> ArrayNames => default(AttentionArguments<TArray>).Arrays().Select(array => array.Key);

    /// <summary>
    /// The same call with every array-valued argument replaced by <paramref name="convert"/>(name, value), where
    /// name is the argument's C# parameter name; the scalars are copied. The arguments are visited in declaration
    /// order (C# evaluates arguments left to right).
    /// </summary>
    /// <remarks>
    /// This is the one place that tells the array members from the scalars. Named arguments make the compiler check
    /// that every member is given, each under its own name, so a swapped pair of <c>bool</c>s cannot compile.
    /// </remarks>
    public AttentionArguments<TResult> Select<TResult>(Func<string, TArray?, TResult?> convert)
        where TResult : class
    {
        TResult? To(string member, TArray? array) => convert(ParameterName(member), array);
        return new AttentionArguments<TResult>(
            Query: To(nameof(Query), Query),
            Key: To(nameof(Key), Key),
            Value: To(nameof(Value), Value),
            BatchFirst: BatchFirst,
            NumHeads: NumHeads,
            Scale: Scale,
            AttentionMask: To(nameof(AttentionMask), AttentionMask),
            InProjWeights: To(nameof(InProjWeights), InProjWeights),
            QProjWeights: To(nameof(QProjWeights), QProjWeights),
            KProjWeights: To(nameof(KProjWeights), KProjWeights),
            VProjWeights: To(nameof(VProjWeights), VProjWeights),
            OutProjWeights: To(nameof(OutProjWeights), OutProjWeights),
            InProjBias: To(nameof(InProjBias), InProjBias),
            OutProjBias: To(nameof(OutProjBias), OutProjBias),
            IsCausal: IsCausal,
            KeyPaddingMask: To(nameof(KeyPaddingMask), KeyPaddingMask),
            BiasK: To(nameof(BiasK), BiasK),
            BiasV: To(nameof(BiasV), BiasV),
            StaticK: To(nameof(StaticK), StaticK),
            StaticV: To(nameof(StaticV), StaticV),
            AddZeroAttn: AddZeroAttn,
            ReturnAttentionWeights: ReturnAttentionWeights,
            AverageAttentionWeights: AverageAttentionWeights,
            Dropout: Dropout,
            Training: Training,
            Out: To(nameof(Out), Out),
            Seed: Seed);
    }

    /// <summary>The array-valued arguments as (C# parameter name, value) pairs, in declaration order.</summary>
    public IReadOnlyList<KeyValuePair<string, TArray?>> Arrays()
    {
        var arrays = new List<KeyValuePair<string, TArray?>>(17);
        Select<TArray>((name, array) =>
        {
            arrays.Add(new(name, array));
            return array;
        });
        return arrays;
    }

    // The public parameters are the members in camelCase (QProjWeights → qProjWeights, Out → out for @out).
    private static string ParameterName(string member) =>
        string.Create(member.Length, member, static (name, m) =>
        {
            m.CopyTo(name);
            name[0] = char.ToLowerInvariant(m[0]);
        });
}
