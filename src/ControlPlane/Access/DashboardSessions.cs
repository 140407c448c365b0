using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// The dashboard's sessions. A browser's EventSource cannot send an Authorization header, so the page trades its
/// bearer token (<c>POST /api/session</c>) for a random session id in a cookie (HttpOnly, SameSite=Strict,
/// Path=/api, <c>controlPlane.access.sessionMinutes</c>), which read routes accept. Held in memory by SHA-256 of the
/// id: a restart ends every session and the page asks for a new one with the token it keeps in sessionStorage.
/// A session ends early when its credential is rotated.
/// </summary>
public sealed class DashboardSessions(TimeProvider clock, TimeSpan lifetime)
{
    public const string CookieName = "conjur_session";

    /// <summary>A bound on memory whatever clients do; the oldest session gives way first.</summary>
    public const int MaxSessions = 1000;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    private sealed record Session(ApiCredential Credential, DateTimeOffset Expires);

    public TimeSpan Lifetime => lifetime;

    public (string Id, DateTimeOffset Expires) Open(ApiCredential credential)
    {
        var now = clock.GetUtcNow();
        if (_sessions.Count >= MaxSessions)
        {
            foreach (var (key, s) in _sessions.Where(s => s.Value.Expires <= now).ToList())
            {
                _sessions.TryRemove(key, out _);
            }
            foreach (var (key, _) in _sessions.OrderBy(s => s.Value.Expires).Take(Math.Max(0, _sessions.Count - MaxSessions + 1)).ToList())
            {
                _sessions.TryRemove(key, out _);
            }
        }
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expires = now + lifetime;
        _sessions[Key(id)] = new Session(credential, expires);
        return (id, expires);
    }

    /// <summary>The session's credential and end, or null when there is no such session or it has ended.</summary>
    public (ApiCredential Credential, DateTimeOffset Expires)? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 100)
        {
            return null;
        }
        var key = Key(id);
        if (!_sessions.TryGetValue(key, out var session))
        {
            return null;
        }
        if (session.Expires <= clock.GetUtcNow())
        {
            _sessions.TryRemove(key, out _);
            return null;
        }
        return (session.Credential, session.Expires);
    }

    private static string Key(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
