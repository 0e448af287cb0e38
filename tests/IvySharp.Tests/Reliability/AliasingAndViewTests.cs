using System.Numerics.Tensors;
using IvySharp.Tests.Reference;
using IvySharp.Tests.Support;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// Issue "Reliability" part 4: <c>@out</c> equal to or overlapping query, key or value gives the right
/// answer; tensors that are slices or strided views of larger ones are read through their strides as inputs
/// and written through them as <c>@out</c>, never touching memory outside the view. float32 throughout (the
/// views are the subject; dtypes are the fuzz's), on every kernel variant.
/// </summary>
public sealed class AliasingAndViewTests
{
    private const int N = 2, L = 5, E = 4, H = 2;

    public static TheoryData<string> Variants() => KernelVariants.Theory();

    /// <summary>@out is the query (self-attention), the key or the value itself: the numbers are those of a fresh output, bit for bit.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Out_that_is_the_query_key_or_value_gives_the_fresh_result(string variant)
    {
        foreach (string target in (string[])["query", "key", "value"])
        {
            MhaCall fresh = Call(seed: 1), aliased = Call(seed: 1);
            IvyArray input = target switch { "query" => aliased.Query, "key" => aliased.Key!, _ => aliased.Value! };
            using (KernelVariants.Use(variant))
            {
                float[] expected = fresh.Invoke().Output.ToArray<float>();
                var result = (aliased with { Out = input }).Invoke();
                Assert.Same(input, result.Output);
                Assert.Equal(expected, input.ToArray<float>());
            }
        }
    }

    /// <summary>
    /// @out and an input are row-major tensor views into one array, shifted by 1 … 2·L·E − 1 elements either
    /// way so they overlap in part: @out receives the fresh result and the array outside @out keeps its values.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void Out_overlapping_an_input_in_part_gives_the_fresh_result(string variant)
    {
        int size = N * L * E;
        foreach (string target in (string[])["query", "key", "value"])
        {
            foreach (int shift in new[] { 1, E, size / 2, size - 1, -1, -E, -(size / 2), -(size - 1) })
            {
                MhaCall fresh = Call(seed: 2);
                float[] inputValues = (target switch { "query" => fresh.Query, "key" => fresh.Key!, _ => fresh.Value! }).ToArray<float>();
                int inputStart = Math.Max(0, -shift), outStart = Math.Max(0, shift);
                float[] memory = Enumerable.Repeat(-7f, size + Math.Abs(shift)).ToArray();
                inputValues.CopyTo(memory, inputStart);
                IvyArray input = Tensor.Create(memory, inputStart, [N, L, E], [L * E, E, 1]);
                IvyArray output = Tensor.Create(memory, outStart, [N, L, E], [L * E, E, 1]);
                MhaCall call = target switch
                {
                    "query" => fresh with { Query = input, Out = output },
                    "key" => fresh with { Key = input, Out = output },
                    _ => fresh with { Value = input, Out = output },
                };
                float[] before = (float[])memory.Clone();
                using (KernelVariants.Use(variant))
                {
                    float[] expected = fresh.Invoke().Output.ToArray<float>();
                    call.Invoke();
                    Assert.Equal(expected, memory.AsSpan(outStart, size).ToArray());
                    for (int i = 0; i < memory.Length; i++)
                    {
                        if (i < outStart || i >= outStart + size) Assert.Equal(before[i], memory[i]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Every input as a strided view (column-major, a slice of a padded block, every other row, a broadcast
    /// batch, a transposed weight matrix, strided bool masks), with NaN in the memory between the elements:
    /// the result matches the float64 reference on dense copies (a read outside the view would bring NaN in).
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void Strided_views_as_inputs_are_read_through_their_strides(string variant)
    {
        var r = new Random(3);
        MhaCall dense = Call(seed: 3) with
        {
            AttentionMask = A.B(Enumerable.Range(0, L * L).Select(i => i % 7 == 3).ToArray(), L, L),
            KeyPaddingMask = A.B([false, false, true, false, false, false, true, false, false, false], N, L),
        };
        MhaCall strided = dense with
        {
            Query = ColumnMajor(dense.Query),
            Key = PaddedSlice(dense.Key!, r),
            Value = EveryOtherRow(dense.Value!),
            InProjWeights = Transposed(dense.InProjWeights!),
            OutProjWeights = PaddedSlice(dense.OutProjWeights!, r),
            AttentionMask = Transposed(dense.AttentionMask!),
            KeyPaddingMask = EveryOtherRow(dense.KeyPaddingMask!),
        };
        ReferenceResult expected = ReferenceAttention.Compute(dense);
        using (KernelVariants.Use(variant))
        {
            double error = ErrorMetric.MaxRelativeError(strided.Invoke().Output.ToArray<double>(), expected.Output, DType.Float32);
            Assert.True(error <= ErrorMetric.Tolerance(DType.Float32), $"error {error}");
        }

        // A broadcast batch: both samples read one (L, E) block of memory.
        float[] block = dense.Query.ToArray<float>()[..(L * E)];
        IvyArray broadcast = Tensor.Create(block, 0, [N, L, E], [0, E, 1]);
        var copies = new MhaCall { Query = A.F(DType.Float32, [.. block.Concat(block).Select(x => (double)x)], N, L, E), NumHeads = H };
        using (KernelVariants.Use(variant))
        {
            Assert.Equal(copies.Invoke().Output.ToArray<float>(), new MhaCall { Query = broadcast, NumHeads = H }.Invoke().Output.ToArray<float>());
        }
    }

    /// <summary>
    /// @out as a strided view (column-major, a slice of a padded block, every other row of a larger tensor):
    /// the result lands at the view's elements, read back here by index arithmetic on the memory, and the
    /// memory between them keeps its sentinel. A broadcast view cannot hold a result: it is refused up front.
    /// </summary>
    [Theory, MemberData(nameof(Variants))]
    public void Strided_views_as_out_are_written_through_their_strides(string variant)
    {
        MhaCall call = Call(seed: 4);
        int[][] layouts = [[1, N, N * L], [(L * (E + 2)) + 1, E + 2, 1], [2 * L * E, 2 * E, 1]]; // column-major, padded, every other row
        using (KernelVariants.Use(variant))
        {
            float[] expected = call.Invoke().Output.ToArray<float>();
            foreach (int[] strides in layouts)
            {
                int extent = 1 + ((N - 1) * strides[0]) + ((L - 1) * strides[1]) + ((E - 1) * strides[2]);
                float[] memory = Enumerable.Repeat(-7f, extent + 3).ToArray();
                IvyArray output = Tensor.Create(memory, 2, [N, L, E], [strides[0], strides[1], strides[2]]);
                (call with { Out = output }).Invoke();
                var written = new HashSet<int>();
                for (int n = 0; n < N; n++)
                {
                    for (int i = 0; i < L; i++)
                    {
                        for (int f = 0; f < E; f++)
                        {
                            int at = 2 + (n * strides[0]) + (i * strides[1]) + (f * strides[2]);
                            written.Add(at);
                            Assert.Equal(expected[(((n * L) + i) * E) + f], memory[at]);
                        }
                    }
                }

                for (int i = 0; i < memory.Length; i++)
                {
                    if (!written.Contains(i)) Assert.Equal(-7f, memory[i]);
                }
            }

            float[] shared = Enumerable.Repeat(-7f, L * E).ToArray();
            var error = Assert.ThrowsAny<ArgumentException>(() => (call with { Out = Tensor.Create(shared, 0, [N, L, E], [0, E, 1]) }).Invoke());
            Assert.Equal("out", error.ParamName);
            Assert.All(shared, x => Assert.Equal(-7f, x));
        }
    }

    /// <summary>Tensor.Slice views (a window of a larger tensor) as query and as @out, through the implicit Tensor → IvyArray conversion.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void Slices_of_larger_tensors_work_as_inputs_and_as_out(string variant)
    {
        var r = new Random(5);
        float[] big = Enumerable.Range(0, 3 * 7 * 9).Select(_ => (float)((2 * r.NextDouble()) - 1)).ToArray();
        Tensor<float> whole = Tensor.Create(big, [3, 7, 9]);
        Tensor<float> window = whole.Slice(0..2, 1..6, 3..7); // (2, 5, 4), not dense
        var dense = new MhaCall { Query = A.F(DType.Float32, [.. window.ToArray().Select(x => (double)x)], N, L, E), NumHeads = H };
        Tensor<float> target = Tensor.Create(new float[3 * 7 * 9], [3, 7, 9]);
        Tensor<float> outWindow = target.Slice(1..3, 2..7, 5..9);
        using (KernelVariants.Use(variant))
        {
            float[] expected = dense.Invoke().Output.ToArray<float>();
            var result = Ivy.MultiHeadAttention(window, numHeads: H, @out: outWindow);
            Assert.Equal(expected, result.Output.ToArray<float>());
            Assert.Equal(expected, outWindow.ToArray());
            Assert.Equal(expected.Length, target.ToArray().Count(x => x != 0));
        }
    }

    private static MhaCall Call(int seed)
    {
        var r = new Random(seed);
        IvyArray U(params int[] shape) => EdgeSemanticsTests.U(r, DType.Float32, shape);
        return new MhaCall
        {
            Query = U(N, L, E), Key = U(N, L, E), Value = U(N, L, E), NumHeads = H,
            InProjWeights = U(3 * E, E), InProjBias = U(3 * E), OutProjWeights = U(E, E),
        };
    }

    // Views with the same logical elements as a dense array, laid out differently in memory (NaN / true between).
    private static IvyArray ColumnMajor(IvyArray a) => View(a, k => a.Shape.Take(k).Aggregate(1, (x, y) => x * y), 0);

    private static IvyArray EveryOtherRow(IvyArray a) => View(a, k => k == a.Rank - 1 ? 1 : 2 * a.Shape.Skip(k + 1).Aggregate(1, (x, y) => x * y), 0);

    private static IvyArray PaddedSlice(IvyArray a, Random r) => View(a, k => k == a.Rank - 1 ? 1 : (a.Shape[^1] + 2) * a.Shape.Skip(k + 1).SkipLast(1).Aggregate(1, (x, y) => x * y), r.Next(1, 3));

    private static IvyArray Transposed(IvyArray a) => ColumnMajor(a);

    private static IvyArray View(IvyArray a, Func<int, int> stride, int start)
    {
        int[] shape = a.Shape;
        nint[] strides = Enumerable.Range(0, shape.Length).Select(k => (nint)(shape[k] == 1 ? 0 : stride(k))).ToArray();
        int extent = start + 1 + Enumerable.Range(0, shape.Length).Sum(k => (shape[k] - 1) * (int)strides[k]);
        nint[] lengths = shape.Select(x => (nint)x).ToArray();
        var index = new int[shape.Length];
        if (a.DType == DType.Bool)
        {
            bool[] values = a.ToArray<bool>(), memory = Enumerable.Repeat(true, extent).ToArray();
            Scatter(values, memory);
            return Tensor.Create(memory, start, lengths, strides);
        }

        float[] floats = a.ToArray<float>(), floatMemory = Enumerable.Repeat(float.NaN, extent).ToArray();
        Scatter(floats, floatMemory);
        return Tensor.Create(floatMemory, start, lengths, strides);

        void Scatter<T>(T[] values, T[] memory)
        {
            Array.Clear(index);
            for (int i = 0; i < values.Length; i++)
            {
                int at = start;
                for (int k = 0; k < shape.Length; k++) at += index[k] * (int)strides[k];
                memory[at] = values[i];
                for (int k = shape.Length - 1; k >= 0 && ++index[k] == shape[k]; k--) index[k] = 0;
            }
        }
    }
}
