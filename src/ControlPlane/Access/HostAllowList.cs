using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Against DNS rebinding: a page on <c>evil.example</c> whose name is made to resolve to 127.0.0.1 reaches this
/// port, but its browser still sends <c>Host: evil.example</c>. Only the control plane's own names pass: its
/// configured host, 127.0.0.1 and localhost (on its port, or with no port), plus <c>controlPlane.access.allowedHosts</c>
/// (<c>name</c> for any port, <c>name:port</c> for one). A request with no Host at all (HTTP/1.0 probes) passes:
/// no browser sends one.
/// </summary>
public sealed class HostAllowList
{
    private readonly HashSet<string> _own;
    private readonly int _port;
    private readonly HashSet<string> _anyPort;
    private readonly HashSet<(string Host, int Port)> _exact;

    public HostAllowList(string host, int port, IEnumerable<string> allowed)
    {
        _port = port;
        _own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Normalize(host), "127.0.0.1", "localhost" };
        _anyPort = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _exact = [];
        foreach (var entry in allowed)
        {
            var parsed = new HostString(entry.Trim());
            if (parsed.Port is { } p)
            {
                _exact.Add((Normalize(parsed.Host).ToLowerInvariant(), p));
            }
            else
            {
                _anyPort.Add(Normalize(parsed.Host));
            }
        }
        Names = [.. _own.Select(h => $"{h}:{port}"), .. _anyPort, .. _exact.Select(e => $"{e.Host}:{e.Port}")];
    }

    public static HostAllowList For(ClusterConfig config) =>
        new(config.ControlPlane.Host, config.ControlPlane.HttpPort, config.ControlPlane.Access.AllowedHosts);

    /// <summary>What is accepted, for the refusal's message.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool Allows(string? hostHeader)
    {
        if (string.IsNullOrEmpty(hostHeader))
        {
            return true;
        }
        var value = new HostString(hostHeader);
        var host = Normalize(value.Host);
        if (host.Length == 0)
        {
            return false;
        }
        if (_own.Contains(host) && (value.Port is null || value.Port == _port))
        {
            return true;
        }
        return _anyPort.Contains(host) || (value.Port is { } port && _exact.Contains((host.ToLowerInvariant(), port)));
    }

    // "localhost." is the same name as "localhost"; IPv6 literals keep their brackets as HostString gives them.
    private static string Normalize(string host) => host.TrimEnd('.');
}
