using System.Globalization;
using System.Text;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Renders an <see cref="AuditRecord"/> as Conjur writes its audit messages: an RFC 5424 line with
/// facility authpriv (10), severity info (6) on success and warning (4) on failure, app-name <c>conjur</c>,
/// Conjur's MSGIDs, and its structured data under Conjur's private enterprise number 43868:
/// <code>&lt;86&gt;1 2026-11-26T17:00:00.000Z node4 conjur - fetch [subject@43868 resource="acme:variable:db/pw"][auth@43868 user="acme:host:app" authenticator="authn"][action@43868 result="success" operation="fetch"][client@43868 ip="10.0.0.7"] acme:host:app fetched acme:variable:db/pw</code>
/// Pure: what it renders is exactly the record's fields, so nothing the record does not hold (no secret
/// value) can appear in the line.
/// </summary>
public static class Rfc5424
{
    public const int FacilityAuthPriv = 10;
    public const int SeverityWarning = 4;
    public const int SeverityInfo = 6;
    public const string AppName = "conjur";
    public const string EnterpriseNumber = "43868";

    public static int Severity(bool success) => success ? SeverityInfo : SeverityWarning;

    public static int Priority(bool success) => (FacilityAuthPriv * 8) + Severity(success);

    /// <summary>Roles (the <c>subject</c> of an authentication) are named <c>role</c>, everything else <c>resource</c>, as Conjur does.</summary>
    public static string SubjectKey(string subject)
    {
        var parts = subject.Split(':', 3);
        var kind = parts.Length == 3 ? parts[1] : "";
        return kind is "user" or "host" or "group" or "layer" ? "role" : "resource";
    }

    public static string Render(AuditRecord r)
    {
        var s = new StringBuilder(256);
        s.Append('<').Append(Priority(r.Success).ToString(CultureInfo.InvariantCulture)).Append(">1 ");
        s.Append(r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        s.Append(HeaderField(r.Origin, 255)).Append(' ');
        s.Append(AppName).Append(' ');
        s.Append("- "); // PROCID: the agent's PID would change with every restart and says nothing about the access
        s.Append(HeaderField(r.MessageId, 32)).Append(' ');
        if (r.Subject is { } subject)
        {
            Element(s, "subject", (SubjectKey(subject), subject));
        }
        Element(s, "auth", ("user", r.User), ("authenticator", r.Authenticator), ("service", r.Service));
        Element(s, "action", ("result", r.Result), ("operation", r.Operation));
        Element(s, "client", ("ip", r.ClientIp));
        s.Append(' ').Append(MessageText(r.Message));
        return s.ToString();
    }

    /// <summary>
    /// RFC 5424 §6.3.3: inside a PARAM-VALUE, '"', '\' and ']' must be escaped with a backslash. Control
    /// characters (a newline would split the record in any line-based collector) become a space.
    /// </summary>
    public static string EscapeParamValue(string value)
    {
        var s = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '"' or '\\' or ']':
                    s.Append('\\').Append(c);
                    break;
                case var _ when char.IsControl(c):
                    s.Append(' ');
                    break;
                default:
                    s.Append(c);
                    break;
            }
        }
        return s.ToString();
    }

    /// <summary>HOSTNAME and MSGID are PRINTUSASCII without spaces, of bounded length, '-' when empty.</summary>
    public static string HeaderField(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }
        var chars = value.Take(maxLength).Select(c => c is > ' ' and < (char)127 ? c : '_').ToArray();
        return new string(chars);
    }

    private static string MessageText(string message) =>
        new(message.Select(c => char.IsControl(c) ? ' ' : c).ToArray());

    private static void Element(StringBuilder s, string id, params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).ToList();
        if (present.Count == 0)
        {
            return;
        }
        s.Append('[').Append(id).Append('@').Append(EnterpriseNumber);
        foreach (var (name, value) in present)
        {
            s.Append(' ').Append(name).Append("=\"").Append(EscapeParamValue(value!)).Append('"');
        }
        s.Append(']');
    }
}
