using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using IvySharp.Benchmarks.Cases;
using IvySharp.Benchmarks.Native;

namespace IvySharp.Benchmarks.Peers;

/// <summary>Creates the peers of a case, or the reason a peer cannot run it.</summary>
internal static class PeerFactory
{
    /// <summary>The prepared peer, or null with <paramref name="reason"/> saying why not.</summary>
    public static IAttentionPeer? TryCreate(PeerKind kind, CaseData data, int threads, out string? reason)
    {
        reason = null;
        try
        {
            return kind switch
            {
                PeerKind.IvySharp => new IvyPeer(data),
                PeerKind.IvySharpLayer => new IvyLayerPeer(data),
                PeerKind.OrtContribMha or PeerKind.OrtAttention23 => new OrtPeer(data, kind, threads),
                _ when TorchLoader.Failure is { } failure => throw new PeerNotApplicableException("TorchSharp unavailable: " + failure),
                _ => CreateTorch(kind, data),
            };
        }
        catch (PeerNotApplicableException e)
        {
            reason = e.Message;
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ExternalException or ArgumentException or InvalidOperationException)
        {
            reason = $"failed to prepare: {e.GetType().Name}: {FirstLine(e.Message)}";
        }

        return null;
    }

    /// <summary>The first line of a message (ORT and libtorch append long stack traces).</summary>
    public static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    // Separate so TorchSharp's types are only touched once TorchLoader has made it loadable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    [SuppressMessage("Performance", "CA1859", Justification = "Returning TorchPeer would put the type in the caller's signature and load it (and TorchSharp) early.")]
    private static IAttentionPeer CreateTorch(PeerKind kind, CaseData data) => new TorchPeer(data, kind);
}
