using System.Buffers;
using System.Globalization;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Keeps every text field of a record within what the master stores, at the moment the record is made, so a record
/// can never be refused later (a refused record used to stop its node's shipping for good). Too long: cut on a
/// character boundary (never between the halves of a surrogate pair) and ended with a visible marker saying the
/// original length. Characters Postgres text or UTF-8 cannot hold (NUL, an unpaired surrogate) become U+FFFD.
/// Pure; the common case (a short, clean field) costs one vectorised scan and no allocation.
/// </summary>
public static class AuditFields
{
    public const int MaxLength = 4096;

    /// <summary>The MSGID shape RFC 5424 allows: 1 to 32 printable ASCII characters without spaces.</summary>
    public const int MaxMessageIdLength = 32;

    public const char Replacement = '\uFFFD';

    private static readonly SearchValues<char> Unstorable = SearchValues.Create(
        string.Concat("\0", new string([.. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)])));

    public static string Marker(int originalLength) => string.Create(CultureInfo.InvariantCulture, $"...[truncated from {originalLength} characters]");

    public static string? Cap(string? value) => value is null ? null : Fit(value);

    /// <summary>A required field: empty or blank becomes "-" (the master requires something there).</summary>
    public static string CapRequired(string value) => string.IsNullOrWhiteSpace(value) ? "-" : Fit(value);

    private static string Fit(string value)
    {
        if (value.Length <= MaxLength && value.AsSpan().IndexOfAny(Unstorable) < 0)
        {
            return value;
        }
        var clean = Clean(value);
        if (clean.Length <= MaxLength)
        {
            return clean;
        }
        var marker = Marker(value.Length);
        var keep = MaxLength - marker.Length;
        if (char.IsHighSurrogate(clean[keep - 1]))
        {
            keep--;
        }
        return string.Concat(clean.AsSpan(0, keep), marker);
    }

    /// <summary>Conjur's MSGIDs are constants; anything else is made to fit rather than refused later.</summary>
    public static string MessageId(string value)
    {
        if (value.Length is > 0 and <= MaxMessageIdLength && value.All(c => c is > ' ' and < (char)127))
        {
            return value;
        }
        var fitted = new string([.. value.Take(MaxMessageIdLength).Select(c => c is > ' ' and < (char)127 ? c : '_')]);
        return fitted.Length == 0 ? "-" : fitted;
    }

    /// <summary>Whether a value holds a character <see cref="Cap"/> would have replaced.</summary>
    public static bool HasUnstorable(string value) => value.AsSpan().IndexOfAny(Unstorable) >= 0 && Clean(value) != value;

    private static string Clean(string value)
    {
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c == '\0')
            {
                chars[i] = Replacement;
            }
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    i++;
                }
                else
                {
                    chars[i] = Replacement;
                }
            }
            else if (char.IsLowSurrogate(c))
            {
                chars[i] = Replacement;
            }
        }
        return new string(chars);
    }
}
