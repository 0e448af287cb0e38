namespace IvySharp;

public static partial class Ivy
{
    /// <summary>
    /// The most threads one IvySharp call uses; 0 or less (the default) means one per processor.
    /// Results are bit-identical whatever the value: it trades speed only.
    /// </summary>
    /// <remarks>
    /// Process-wide on purpose, like <c>torch.set_num_threads</c>: a service sets it once to share the
    /// cores with other work. Reads and writes are atomic; a change applies to calls that start after it.
    /// </remarks>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref s_maxDegreeOfParallelism);
        set => Volatile.Write(ref s_maxDegreeOfParallelism, value);
    }

    private static int s_maxDegreeOfParallelism;
}
