/// <summary>How much of the machine other processes used while a measurement ran, from /proc.</summary>
internal sealed class HostLoad
{
    private readonly long _busy, _total, _self;

    public HostLoad() => (_busy, _total, _self) = Read();

    /// <summary>Cores' worth of CPU used by other processes since construction (0 = quiet, 2 = both cores taken).</summary>
    public double OthersCores()
    {
        var (busy, total, self) = Read();
        double cores = Environment.ProcessorCount;
        return Math.Max(0, ((busy - _busy) - (self - _self)) / (double)Math.Max(1, total - _total) * cores);
    }

    private static (long Busy, long Total, long Self) Read()
    {
        string[] cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] v = cpu.Skip(1).Select(long.Parse).ToArray();
        long idle = v[3] + v[4], total = v.Sum();
        string[] self = File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long mine = long.Parse(self[11]) + long.Parse(self[12]);
        return (total - idle, total, mine);
    }
}
