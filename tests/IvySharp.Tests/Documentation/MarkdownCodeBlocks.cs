using System.Text.RegularExpressions;

namespace IvySharp.Tests.Documentation;

/// <summary>A fenced code block of a Markdown file.</summary>
/// <param name="Info">The fence's info string, trimmed (<c>csharp</c>, <c>csharp fragment</c>, <c>bash</c>, …).</param>
/// <param name="FirstLine">The 1-based line number, in the file, of the block's first line of code.</param>
/// <param name="Code">The lines between the fences, joined with <c>\n</c>.</param>
public sealed record MarkdownCodeBlock(string Info, int FirstLine, string Code)
{
    /// <summary>The info string's first word, lower case: the block's language.</summary>
    public string Language => Info.Split(' ', 2)[0].ToLowerInvariant();

    /// <summary>The info string after the language (<c>fragment</c> in <c>csharp fragment</c>).</summary>
    public string Attributes => Info.Split(' ', 2) is [_, var rest] ? rest.Trim() : string.Empty;
}

/// <summary>
/// Fenced code blocks of CommonMark text: an opening fence of three or more backticks or tildes,
/// indented at most three spaces, closed by a fence of the same character at least as long (or by
/// the end of the file). Indented code blocks and fences inside block quotes are not looked for:
/// the repository's documents do not use them.
/// </summary>
public static partial class MarkdownCodeBlocks
{
    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>.*)$")]
    private static partial Regex OpeningFence();

    public static IReadOnlyList<MarkdownCodeBlock> Extract(string markdown)
    {
        string[] lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var blocks = new List<MarkdownCodeBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = OpeningFence().Match(lines[i]);
            // A backtick fence's info string may not contain a backtick (that is inline code).
            if (!open.Success || (open.Groups["fence"].Value[0] == '`' && open.Groups["info"].Value.Contains('`')))
                continue;
            string fence = open.Groups["fence"].Value;
            int first = i + 1;
            int end = first;
            while (end < lines.Length && !IsClosingFence(lines[end], fence))
                end++;
            blocks.Add(new MarkdownCodeBlock(open.Groups["info"].Value.Trim(), first + 1, string.Join('\n', lines[first..end])));
            i = end;
        }
        return blocks;
    }

    private static bool IsClosingFence(string line, string fence)
    {
        string trimmed = line.TrimStart(' ');
        if (line.Length - trimmed.Length > 3)
            return false;
        int run = 0;
        while (run < trimmed.Length && trimmed[run] == fence[0])
            run++;
        return run >= fence.Length && trimmed[run..].Trim().Length == 0;
    }
}
