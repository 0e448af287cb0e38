using IvySharp.Kernels;

namespace IvySharp.Tests.Reliability;

/// <summary>
/// The kernel variants this processor supports, by name (<see cref="KernelVariant"/> is internal), so
/// theories and the <c>tools/Fuzz</c> console can loop over every one of them: when the tiled engine
/// lands, its variants are covered without touching these tests.
/// </summary>
public static class KernelVariants
{
    /// <summary>Every variant <see cref="KernelSelector.IsSupported"/> accepts here, in <see cref="KernelVariant.All"/> order.</summary>
    public static IReadOnlyList<string> Supported { get; } =
        KernelVariant.All.Where(KernelSelector.IsSupported).Select(v => v.ToString()).ToArray();

    /// <summary>The supported variants as theory data.</summary>
    public static TheoryData<string> Theory()
    {
        var data = new TheoryData<string>();
        foreach (string name in Supported) data.Add(name);
        return data;
    }

    /// <summary>Pins <paramref name="variant"/> (and optionally a thread cap) for calls in this flow until disposed.</summary>
    public static IDisposable Use(string variant, int? threads = null) =>
        KernelSelector.Use(KernelVariant.Parse(variant), threads);
}
