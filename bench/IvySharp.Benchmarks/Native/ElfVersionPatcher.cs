using System.Buffers.Binary;
using System.Text;

namespace IvySharp.Benchmarks.Native;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared library as weak, in place.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked against a libstdc++ that defines
/// <c>GLIBCXX_3.4.32</c>; Debian 12's libstdc++ stops at 3.4.30, so the loader refuses the library.
/// The only symbol bound to 3.4.32 is <c>std::ios_base_library_init()</c>, which GCC 13 references
/// (to force iostream initialisation) but never calls. glibc's loader accepts a missing version when
/// the requirement carries <c>VER_FLG_WEAK</c> (dl-version.c, <c>match_symbol</c>), so setting that one
/// flag in <c>.gnu.version_r</c> is enough. Idempotent; nothing else in the file changes.
/// </remarks>
internal static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    /// <summary>What <see cref="MarkWeak"/> did.</summary>
    public enum Outcome { Patched, AlreadyWeak, NotRequired }

    /// <summary>Sets <c>VER_FLG_WEAK</c> on the requirement named <paramref name="versionName"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian ELF64 with a version-needs section.</exception>
    public static Outcome MarkWeak(string path, string versionName)
    {
        byte[] elf = File.ReadAllBytes(path);
        Span<byte> bytes = elf;
        if (bytes.Length < 64 || !bytes[..4].SequenceEqual(ElfMagic) || bytes[4] != 2 || bytes[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");
        }

        long sectionTable = (long)U64(bytes, 0x28);
        int entrySize = U16(bytes, 0x3A), sectionCount = U16(bytes, 0x3C);
        for (int i = 0; i < sectionCount; i++)
        {
            int header = checked((int)(sectionTable + (i * entrySize)));
            if (U32(bytes, header + 4) != ShtGnuVerneed) continue;

            int offset = checked((int)U64(bytes, header + 24));
            int stringsHeader = checked((int)(sectionTable + (U32(bytes, header + 40) * entrySize)));
            int strings = checked((int)U64(bytes, stringsHeader + 24));
            uint needCount = U32(bytes, header + 44);
            return Walk(path, elf, offset, needCount, strings, versionName);
        }

        throw new InvalidDataException($"{path} has no .gnu.version_r section.");
    }

    private static Outcome Walk(string path, byte[] elf, int need, uint needCount, int strings, string versionName)
    {
        // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
        // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
        for (uint n = 0; n < needCount; n++)
        {
            int auxCount = U16(elf, need + 2);
            int aux = need + (int)U32(elf, need + 8);
            for (int a = 0; a < auxCount; a++)
            {
                if (Name(elf, strings + (int)U32(elf, aux + 8)) == versionName)
                {
                    ushort flags = U16(elf, aux + 4);
                    if ((flags & VerFlagWeak) != 0) return Outcome.AlreadyWeak;
                    BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | VerFlagWeak));
                    WriteAtomically(path, elf);
                    return Outcome.Patched;
                }

                aux += (int)U32(elf, aux + 12);
            }

            need += (int)U32(elf, need + 12);
        }

        return Outcome.NotRequired;
    }

    // Another process may be loading the library: write a sibling file and rename over the original.
    private static void WriteAtomically(string path, byte[] contents)
    {
        string temporary = path + ".patching";
        File.WriteAllBytes(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Name(ReadOnlySpan<byte> elf, int start)
    {
        int end = elf[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(elf.Slice(start, end));
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
