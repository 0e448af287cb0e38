using System.Reflection;
using IvySharp.Planning;

namespace IvySharp.Tests.Validation;

/// <summary>
/// Pins the argument record every facade fills (issue #10 item 5): its members are the public parameters, in
/// their order, and <see cref="AttentionArguments{TArray}.Select{TResult}"/> converts each array argument under
/// its own C# parameter name (the <see cref="ArgumentException.ParamName"/> errors carry) and copies every scalar.
/// </summary>
public sealed class AttentionArgumentsTests
{
    private static readonly string[] s_arrayNames =
    [
        "query", "key", "value", "attentionMask", "inProjWeights", "qProjWeights", "kProjWeights", "vProjWeights",
        "outProjWeights", "inProjBias", "outProjBias", "keyPaddingMask", "biasK", "biasV", "staticK", "staticV", "out",
    ];

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    // The record's positional parameters, camelCased: what each facade's parameter list must start with.
    private static string[] RecordParameters() =>
        [.. typeof(AttentionArguments<IvyArray>).GetConstructors().Single(c => c.GetParameters().Length > 0)
            .GetParameters().Select(p => Camel(p.Name!))];

    // A static facade is told apart by its query's type; each instance facade is its type's only one.
    private static MethodInfo Facade(Type owner, bool isStatic, Type arrayType) =>
        owner.GetMethods(BindingFlags.Public | (isStatic ? BindingFlags.Static : BindingFlags.Instance))
            .Single(m => m.Name == nameof(Ivy.MultiHeadAttention) && (!isStatic || m.GetParameters()[0].ParameterType == arrayType));

    public static TheoryData<Type, bool, Type> Facades => new()
    {
        { typeof(Ivy), true, typeof(IvyArray) },
        { typeof(IvyArray), false, typeof(IvyArray) },
        { typeof(Ivy), true, typeof(Nestable) },
        { typeof(Container), false, typeof(Nestable) },
    };

    [Theory]
    [MemberData(nameof(Facades))]
    public void Every_facade_takes_the_record_members_in_order(Type owner, bool isStatic, Type arrayType)
    {
        MethodInfo facade = Facade(owner, isStatic, arrayType);

        // Instance forms take the query as `this` and have no batchFirst (as Ivy's instance methods).
        IEnumerable<string> expected = RecordParameters();
        if (!isStatic) expected = expected.Where(name => name is not ("query" or "batchFirst"));
        string[] attention = [.. facade.GetParameters().Select(p => p.Name!).Take(expected.Count())];
        Assert.Equal(expected, attention);
        Assert.Equal(
            expected.Where(s_arrayNames.Contains),
            facade.GetParameters().Where(p => p.ParameterType == arrayType).Select(p => p.Name!));
    }

    [Fact]
    public void The_array_names_are_the_array_valued_parameters_in_declaration_order()
    {
        Assert.Equal(s_arrayNames, AttentionArguments<IvyArray>.ArrayNames);
        Assert.Equal(s_arrayNames, AttentionArguments<Nestable>.ArrayNames);
    }

    [Fact]
    public void Select_converts_each_array_by_its_name_and_copies_every_scalar()
    {
        // One distinct array per argument, and scalars that all differ from their defaults.
        var arrays = s_arrayNames.ToDictionary(name => name, name => IvyArray.Zeros(DType.Float32, name.Length));
        var source = default(AttentionArguments<IvyArray>).Select((name, _) => arrays[name]) with
        {
            BatchFirst = true, NumHeads = 3, Scale = 0.25, IsCausal = true, AddZeroAttn = true,
            ReturnAttentionWeights = true, AverageAttentionWeights = true, Dropout = 0.5, Training = true, Seed = 7,
        };
        var visited = new List<string>();
        AttentionArguments<Nestable> nested = source.Select<Nestable>((name, array) =>
        {
            visited.Add(name);
            Assert.Same(arrays[name], array);
            return array;
        });

        Assert.Equal(s_arrayNames, visited);
        Assert.Equal(source, nested.Select((_, n) => n?.Array));
        Assert.Same(arrays["out"], source.Out);
        Assert.Same(arrays["qProjWeights"], source.QProjWeights);
        Assert.Equal(s_arrayNames, source.Arrays().Select(pair => pair.Key));
        Assert.All(source.Arrays(), pair => Assert.Same(arrays[pair.Key], pair.Value));
    }
}
