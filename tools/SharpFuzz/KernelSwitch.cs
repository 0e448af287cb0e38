using System.Reflection;

namespace IvySharp.SharpFuzz;

/// <summary>
/// Pins the plain path (<c>KernelVariant.Simple</c>) for one call. <c>KernelSelector</c> is internal and
/// <c>IVYSHARP_KERNEL</c> is read once per process, so the harness, which must run both paths on every
/// input in one process, reaches <c>KernelSelector.Use</c> by reflection instead of asking the library
/// for an InternalsVisibleTo entry. Looked up once; a renamed member fails at start-up, not mid-run.
/// </summary>
internal static class KernelSwitch
{
    private static readonly Assembly s_library = typeof(Ivy).Assembly;
    private static readonly Type s_selector = Required(s_library.GetType("IvySharp.Kernels.KernelSelector"), "KernelSelector");
    private static readonly Type s_variant = Required(s_library.GetType("IvySharp.Kernels.KernelVariant"), "KernelVariant");
    private static readonly MethodInfo s_use = Required(s_selector.GetMethod("Use"), "KernelSelector.Use");
    private static readonly PropertyInfo s_current = Required(s_selector.GetProperty("Current"), "KernelSelector.Current");

    /// <summary>The variant calls made now use (the engine's best unless pinned).</summary>
    public static string Current => s_current.GetValue(null)?.ToString() ?? "?";

    /// <summary>Runs calls on the plain path until disposed.</summary>
    public static IDisposable Simple() =>
        (IDisposable)s_use.Invoke(null, [s_variant.GetField("Simple")!.GetValue(null), null])!;

    private static T Required<T>(T? found, string what) where T : class =>
        found ?? throw new InvalidOperationException($"IvySharp no longer has {what}; update tools/SharpFuzz/KernelSwitch.cs.");
}
