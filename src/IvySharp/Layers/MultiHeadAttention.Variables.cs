using System.Globalization;

namespace IvySharp.Layers;

/// <summary>The variables of <see cref="MultiHeadAttention"/>: their names and shapes (Ivy's), creation and checks.</summary>
public sealed partial class MultiHeadAttention
{
    /// <summary>Ivy's variable names.</summary>
    private const string InProjWeightsName = "in_proj_weights", QProjWeightsName = "q_proj_weights",
        KProjWeightsName = "k_proj_weights", VProjWeightsName = "v_proj_weights", OutProjWeightsName = "out_proj_weights",
        InProjBiasName = "in_proj_bias", OutProjBiasName = "out_proj_bias";

    /// <summary>True when the input projection is one packed (3·inner, embed) matrix: key, value and query widths all equal embedDim.</summary>
    private bool PackedInProjection => KeyDim == EmbedDim && ValueDim == EmbedDim;

    /// <summary>Every variable this layer has, with the shape Ivy gives it: (name, shape, is a weight (else a bias)).</summary>
    private IEnumerable<(string Name, int[] Shape, bool IsWeight)> Layout()
    {
        if (PackedInProjection)
        {
            yield return (InProjWeightsName, [3 * InnerDim, EmbedDim], true);
        }
        else
        {
            yield return (QProjWeightsName, [InnerDim, EmbedDim], true);
            yield return (KProjWeightsName, [InnerDim, KeyDim], true);
            yield return (VProjWeightsName, [InnerDim, ValueDim], true);
        }

        yield return (OutProjWeightsName, [EmbedDim, InnerDim], true);
        if (UseProjBias)
        {
            yield return (InProjBiasName, [3 * InnerDim], false);
            yield return (OutProjBiasName, [EmbedDim], false);
        }
    }

    /// <summary>
    /// The layer's variables: <paramref name="given"/>'s entries where present (checked against the layout),
    /// the rest created (GlorotUniform weights, zero biases) from <paramref name="random"/>.
    /// </summary>
    private Container BuildVariables(Container? given, Random random, string parameterName)
    {
        var expected = Layout().ToList();
        if (given is not null)
        {
            foreach (string chain in given.KeyChains)
            {
                if (expected.All(v => v.Name != chain))
                {
                    throw new ArgumentException(
                        $"{parameterName} has a variable '{chain}' this layer does not have; expected {string.Join(", ", expected.Select(v => v.Name))}.",
                        parameterName);
                }
            }
        }

        var variables = new Container();
        foreach ((string name, int[] shape, bool isWeight) in expected)
        {
            IvyArray array;
            if (given is not null && given.TryGetValue(name, out ContainerValue value))
            {
                array = value.IsArray ? value.AsArray() : throw new ArgumentException($"{parameterName}['{name}'] must be an array; got a {value.Kind}.", parameterName);
                Check(array, name, shape, parameterName);
            }
            else
            {
                array = isWeight ? GlorotUniform.Weight(random, shape[0], shape[1], DType) : GlorotUniform.Zeros(shape[0], DType);
            }

            variables.Add(name, array);
        }

        return variables;
    }

    private void Check(IvyArray array, string name, int[] shape, string parameterName)
    {
        if (array.DType != DType)
        {
            throw new ArgumentException($"{parameterName}['{name}'] must have the layer's dtype {DType}; got {array.DType}.", parameterName);
        }

        if (!array.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{parameterName}['{name}'] must have shape ({string.Join(", ", shape)}); got ({string.Join(", ", array.Shape)})."),
                parameterName);
        }
    }
}
