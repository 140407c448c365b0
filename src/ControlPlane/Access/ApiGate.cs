using Conjur.EventSourced.Hosting.Topology;
using Microsoft.Net.Http.Headers;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>Finds the credential a request carries: the Authorization header first, else the dashboard's session cookie.</summary>
public sealed class ApiGate(CredentialStore credentials, DashboardSessions sessions, ClusterConfig config)
{
    public HostAllowList Hosts { get; } = HostAllowList.For(config);
    public bool OpenReads => config.ControlPlane.Access.OpenReads;
    public CredentialStore Credentials => credentials;
    public DashboardSessions Sessions => sessions;

    /// <summary>Where the credential came from and what it matched (null: nothing, or a header that is not 'Bearer &lt;token&gt;').</summary>
    public (CredentialSource Source, OperatorIdentity? Identity) Authenticate(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress?.ToString();
        var header = http.Request.Headers.Authorization;
        if (header.Count > 0)
        {
            var value = header.Count == 1 ? header[0] ?? "" : "";
            const string scheme = "Bearer ";
            if (!value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return (CredentialSource.Header, null);
            }
            return credentials.Match(value[scheme.Length..].Trim()) is { } c
                ? (CredentialSource.Header, new OperatorIdentity(c, address, CredentialSource.Header, null))
                : (CredentialSource.Header, null);
        }
        if (http.Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var cookie))
        {
            return sessions.Find(cookie) is { } s && credentials.IsCurrent(s.Credential)
                ? (CredentialSource.Cookie, new OperatorIdentity(s.Credential, address, CredentialSource.Cookie, s.Expires))
                : (CredentialSource.Cookie, null);
        }
        return (CredentialSource.None, null);
    }

    /// <summary>Whether a long request (the dashboard's stream) may go on: its session has not ended and its credential was not rotated.</summary>
    public bool StillValid(OperatorIdentity? identity, DateTimeOffset now) =>
        identity is null
            ? OpenReads
            : credentials.IsCurrent(identity.Credential) && (identity.Until is not { } until || until > now);

    /// <summary>application/json, with or without parameters (charset).</summary>
    public static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);
}
