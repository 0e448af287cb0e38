using IvySharp.Kernels;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reference;

/// <summary>
/// Properties the contract implies, checked on seeded random calls (<see cref="RandomCalls"/>) in every
/// dtype and, where the kernels matter, on every supported <see cref="KernelVariant"/>. Failures name the
/// seed and the call's arguments.
/// </summary>
public sealed class PropertyTests
{
    private static readonly DType[] DTypes = [DType.Float32, DType.Float64, DType.Float16];

    public static TheoryData<DType> AllDTypes() => [.. DTypes];

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (KernelVariant v in KernelVariant.All)
        {
            if (KernelSelector.IsSupported(v)) data.Add(v.ToString());
        }

        return data;
    }

    /// <summary>
    /// §3 every sample is attended to on its own: permuting the batch permutes outputs and weights. Compared
    /// within the dtype's tolerance rather than bit for bit, because the contract does not promise that a
    /// sample's rounding is independent of its position in a batch (a tiled engine may group rows of
    /// neighbouring samples). Dropout is off: its keep/drop decision depends on the sample index by definition.
    /// </summary>
    [Theory, MemberData(nameof(AllDTypes))]
    public void Permuting_the_batch_permutes_outputs_and_weights(DType dtype)
    {
        var options = new RandomCallOptions { AllowDropout = false, AllowOut = false, MinBatch = 2, MaxBatch = 4 };
        for (int seed = 0; seed < 300; seed++)
        {
            MhaCall call = RandomCalls.Create(seed, dtype, options);
            int n = call.BatchFirst ? call.Query.Shape[0] : call.Query.Shape[1];
            int h = call.NumHeads;
            int[] perm = Enumerable.Range(0, n).ToArray();
            new Random(~seed).Shuffle(perm);
            int axis = call.BatchFirst ? 0 : 1;
            MhaCall permuted = call with
            {
                Query = Permute(call.Query, axis, perm)!,
                Key = Permute(call.Key, axis, perm),
                Value = Permute(call.Value, axis, perm),
                AttentionMask = call.AttentionMask is { Rank: 3 } m ? Permute(m, 0, perm, h) : call.AttentionMask,
                KeyPaddingMask = Permute(call.KeyPaddingMask, 0, perm),
                StaticK = Permute(call.StaticK, 0, perm, h),
                StaticV = Permute(call.StaticV, 0, perm, h),
            };
            string arguments = RandomCalls.Describe(call);

            var original = call.Invoke();
            var result = permuted.Invoke();
            double tolerance = ErrorMetric.Tolerance(dtype);
            double outputError = ErrorMetric.MaxRelativeError(
                result.Output.ToArray<double>(), Permute(original.Output, axis, perm)!.ToArray<double>(), dtype);
            Assert.True(outputError <= tolerance, $"seed {seed}, permutation [{string.Join(", ", perm)}]: output differs by {outputError:0.0e+0}\n{arguments}");
            if (original.Weights is not null)
            {
                double weightsError = ErrorMetric.MaxRelativeError(
                    result.Weights!.ToArray<double>(), Permute(original.Weights, 0, perm)!.ToArray<double>(), dtype);
                Assert.True(weightsError <= tolerance, $"seed {seed}, permutation [{string.Join(", ", perm)}]: weights differ by {weightsError:0.0e+0}\n{arguments}");
            }
        }
    }

    /// <summary>
    /// §5–§6 a key masked out (bool key padding, or a bool attention-mask column masked for every query)
    /// has no influence: changing its key row to other values, NaN and ±∞ included, and its value row to NaN
    /// or ±∞ leaves output and weights unchanged bit for bit. (A masked-out position gets −∞ by assignment,
    /// so a NaN score there is dropped too: the README's "choices where the contract is silent".)
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void Masked_out_keys_have_no_influence(string variantName)
    {
        var variant = KernelVariant.Parse(variantName);
        var options = new RandomCallOptions { AllowSelfAttention = false, AllowStatic = false, AllowOut = false };
        int checkedCalls = 0;
        for (int seed = 0; seed < 600; seed++)
        {
            DType dtype = DTypes[seed % 3];
            MhaCall call = RandomCalls.Create(seed, dtype, options);
            var r = new Random(~seed);
            bool batched = call.Query.Rank == 3;
            int n = !batched ? 1 : call.BatchFirst ? call.Query.Shape[0] : call.Query.Shape[1];
            int l = !batched ? call.Query.Shape[0] : call.BatchFirst ? call.Query.Shape[1] : call.Query.Shape[0];
            int s = !batched ? call.Key!.Shape[0] : call.BatchFirst ? call.Key!.Shape[1] : call.Key!.Shape[0];

            // masked[b, j]: key j of sample b is masked out for every query and head.
            var masked = new bool[n, s];
            if (call.IsCausal || r.Next(2) == 0)
            {
                var padding = new bool[n * s];
                for (int i = 0; i < padding.Length; i++) padding[i] = masked[i / s, i % s] = r.Next(3) == 0;
                call = call with { KeyPaddingMask = A.B(padding, batched ? [n, s] : [s]) };
            }
            else
            {
                // A bool (L, S) mask masking whole columns (for every sample), plus random other entries.
                var columns = new bool[s];
                for (int j = 0; j < s; j++) columns[j] = r.Next(3) == 0;
                var mask = new bool[l * s];
                for (int i = 0; i < mask.Length; i++) mask[i] = columns[i % s] || r.Next(5) == 0;
                for (int b = 0; b < n; b++)
                {
                    for (int j = 0; j < s; j++) masked[b, j] = columns[j];
                }

                call = call with { AttentionMask = A.B(mask, l, s) };
            }

            if (!masked.Cast<bool>().Any()) continue;
            checkedCalls++;
            double[] poison = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];
            MhaCall changed = call with
            {
                Key = ChangeRows(call.Key!, call.BatchFirst, masked, _ => r.Next(4) == 0 ? poison[r.Next(3)] : (r.NextDouble() * 200) - 100),
                Value = ChangeRows(call.Value!, call.BatchFirst, masked, _ => poison[r.Next(3)]),
            };
            string arguments = RandomCalls.Describe(call);

            using (KernelSelector.Use(variant))
            {
                var expected = call.Invoke();
                var actual = changed.Invoke();
                AssertBitIdentical(expected, actual, $"seed {seed} ({dtype}, {variant})\n{arguments}");
            }
        }

        Assert.True(checkedCalls > 300, $"only {checkedCalls} calls had a masked key");
    }

    /// <summary>
    /// §6 the same seed gives bit-identical results whatever the thread count: 1 thread against 2 and against
    /// the default, on random calls big enough for the kernels to split work (with dropout and a seed among
    /// them) and on a fixed large call with every feature and dropout.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void Results_do_not_depend_on_the_thread_count(string variantName)
    {
        var variant = KernelVariant.Parse(variantName);
        var options = new RandomCallOptions { AllowOut = false, MaxTokens = 40, MaxHeadWidth = 8, MaxBatch = 4 };
        var calls = new List<(string Name, MhaCall Call)>();
        for (int seed = 0; seed < 40; seed++) calls.Add(($"seed {seed}", RandomCalls.Create(seed, DTypes[seed % 3], options)));
        foreach (DType dtype in DTypes) calls.Add(($"large {dtype}", LargeCall(dtype)));

        foreach (var (name, call) in calls)
        {
            MultiHeadAttentionResult one, two, all;
            using (KernelSelector.Use(variant, threads: 1)) one = call.Invoke();
            using (KernelSelector.Use(variant, threads: 2)) two = call.Invoke();
            using (KernelSelector.Use(variant)) all = call.Invoke();
            string arguments = name.StartsWith("seed", StringComparison.Ordinal) ? RandomCalls.Describe(call) : name;
            AssertBitIdentical(one, two, $"{name} ({variant}), 1 vs 2 threads\n{arguments}");
            AssertBitIdentical(one, all, $"{name} ({variant}), 1 thread vs default\n{arguments}");
        }
    }

    /// <summary>§9 <c>@out</c> may be the query, key or value itself: the numbers equal those of a fresh output, bit for bit.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Out_aliased_with_an_input_gives_the_fresh_result(string variantName)
    {
        var variant = KernelVariant.Parse(variantName);
        var options = new RandomCallOptions { AllowOut = false };
        var aliased = new Dictionary<string, int> { ["query"] = 0, ["key"] = 0, ["value"] = 0 };
        for (int seed = 0; seed < 3000 && aliased.Values.Min() < 100; seed++)
        {
            DType dtype = DTypes[seed % 3];
            MhaCall probe = RandomCalls.Create(seed, dtype, options);
            int[] outputShape = ReferenceAttention.Compute(probe).OutputShape;
            foreach (string target in aliased.Keys.ToArray())
            {
                // Fresh arrays per run: the aliased call overwrites its input.
                MhaCall fresh = RandomCalls.Create(seed, dtype, options);
                MhaCall call = RandomCalls.Create(seed, dtype, options);
                IvyArray? input = target switch { "query" => call.Query, "key" => call.Key, _ => call.Value };
                if (input is null || !input.Shape.SequenceEqual(outputShape) || aliased[target] >= 100) continue;
                aliased[target]++;
                string arguments = RandomCalls.Describe(call);
                using (KernelSelector.Use(variant))
                {
                    var expected = fresh.Invoke();
                    var actual = (call with { Out = input }).Invoke();
                    Assert.Same(input, actual.Output);
                    AssertBitIdentical(expected, actual, $"seed {seed} ({dtype}, {variant}), out aliases {target}\n{arguments}");
                }
            }
        }

        Assert.True(aliased.Values.Min() >= 50, $"too few aliasable calls: {string.Join(", ", aliased)}");
    }

    /// <summary>§10 no input array is ever modified (every element compared bit for bit before and after).</summary>
    [Theory, MemberData(nameof(AllDTypes))]
    public void Inputs_are_never_modified(DType dtype)
    {
        for (int seed = 0; seed < 1000; seed++)
        {
            MhaCall call = RandomCalls.Create(seed, dtype);
            if (call.Out is not null && (ReferenceEquals(call.Out, call.Query) || ReferenceEquals(call.Out, call.Key) || ReferenceEquals(call.Out, call.Value)))
            {
                call = call with { Out = null }; // an aliased @out is meant to change; tested above
            }

            var before = RandomCalls.Arrays(call).Where(a => a.Name != "out").Select(a => (a.Name, a.Array, Bits: Bits(a.Array))).ToList();
            string arguments = RandomCalls.Describe(call);
            call.Invoke();
            foreach (var (name, array, bits) in before)
            {
                Assert.True(bits.SequenceEqual(Bits(array)), $"seed {seed} ({dtype}): {name} was modified\n{arguments}");
            }
        }
    }

    private static long[] Bits(IvyArray a) =>
        a.DType == DType.Bool
            ? a.ToArray<bool>().Select(b => b ? 1L : 0L).ToArray()
            : a.ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ToArray();

    private static void AssertBitIdentical(MultiHeadAttentionResult expected, MultiHeadAttentionResult actual, string context)
    {
        Assert.True(expected.Output.Shape.SequenceEqual(actual.Output.Shape), $"output shapes differ: {context}");
        AssertBits(expected.Output, actual.Output, "output", context);
        Assert.Equal(expected.Weights is null, actual.Weights is null);
        if (expected.Weights is not null) AssertBits(expected.Weights, actual.Weights!, "weights", context);
    }

    private static void AssertBits(IvyArray expected, IvyArray actual, string what, string context)
    {
        long[] e = Bits(expected), a = Bits(actual);
        for (int i = 0; i < e.Length; i++)
        {
            if (e[i] != a[i])
            {
                Assert.Fail($"{what} element {i}: expected {BitConverter.Int64BitsToDouble(e[i]):R}, got {BitConverter.Int64BitsToDouble(a[i]):R}; {context}");
            }
        }
    }

    /// <summary>Permutes axis <paramref name="axis"/> in blocks of <paramref name="group"/>: block b of the result is block perm[b] of the input.</summary>
    private static IvyArray? Permute(IvyArray? array, int axis, int[] perm, int group = 1)
    {
        if (array is null) return null;
        int[] shape = array.Shape;
        int outer = shape.Take(axis).Aggregate(1, (x, y) => x * y);
        int inner = shape.Skip(axis + 1).Aggregate(1, (x, y) => x * y) * group;
        int blocks = perm.Length;
        if (array.DType == DType.Bool)
        {
            bool[] flags = array.ToArray<bool>();
            return A.B(PermuteData(flags, outer, blocks, inner, perm), shape);
        }

        // Values come from the dtype, so the round trip through double is exact.
        return A.F(array.DType, PermuteData(array.ToArray<double>(), outer, blocks, inner, perm), shape);
    }

    private static T[] PermuteData<T>(T[] data, int outer, int blocks, int inner, int[] perm)
    {
        var result = new T[data.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int b = 0; b < blocks; b++)
            {
                Array.Copy(data, ((o * blocks) + perm[b]) * inner, result, ((o * blocks) + b) * inner, inner);
            }
        }

        return result;
    }

    /// <summary>A copy of a key/value input with the rows of masked (sample, token) pairs replaced.</summary>
    private static IvyArray ChangeRows(IvyArray input, bool batchFirst, bool[,] masked, Func<int, double> newValue)
    {
        int[] shape = input.Shape;
        bool batched = shape.Length == 3;
        int n = masked.GetLength(0), s = masked.GetLength(1), features = shape[^1];
        double[] data = input.ToArray<double>();
        for (int b = 0; b < n; b++)
        {
            for (int t = 0; t < s; t++)
            {
                if (!masked[b, t]) continue;
                int row = !batched || batchFirst ? (b * s) + t : (t * n) + b;
                for (int f = 0; f < features; f++) data[(row * features) + f] = newValue(f);
            }
        }

        return A.F(input.DType, data, shape);
    }

    /// <summary>A call large enough for every kernel stage to split work over threads, with every feature and dropout.</summary>
    private static MhaCall LargeCall(DType dtype)
    {
        const int n = 4, l = 96, s = 80, q = 48, e = 64, h = 4, o = 40;
        var r = new Random(12345);
        IvyArray U(params int[] shape) =>
            A.F(dtype, Enumerable.Range(0, shape.Aggregate(1, (x, y) => x * y)).Select(_ => (2 * r.NextDouble()) - 1).ToArray(), shape);
        var padding = Enumerable.Range(0, n * s).Select(i => i % 7 == 3).ToArray();
        var mask = Enumerable.Range(0, n * h * l * s).Select(i => i % 11 == 0).ToArray();
        return new MhaCall
        {
            Query = U(l, n, q), Key = U(s, n, q), Value = U(s, n, q), BatchFirst = false, NumHeads = h,
            InProjWeights = U(3 * e, q), InProjBias = U(3 * e), OutProjWeights = U(o, e), OutProjBias = U(o),
            AttentionMask = A.B(mask, n * h, l, s), KeyPaddingMask = A.B(padding, n, s),
            BiasK = U(e), BiasV = U(e), AddZeroAttn = true,
            ReturnAttentionWeights = true, AverageAttentionWeights = false,
            Dropout = 0.3, Training = true, Seed = -42,
        };
    }
}
