using System.Security.Cryptography;
using System.Text;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// The cluster's shared key for shipping audit (<c>secrets/audit-ship.key</c>, created by the first agent
/// that needs it, like the other generated credentials): only the cluster's own agents may add records
/// to the master's audit. Sent as <see cref="Header"/>. Read from the file on every use, so two agents
/// that created it at the same instant still agree on the one that stayed.
/// </summary>
public sealed class AuditShipKey
{
    public const string Header = "X-Conjur-Audit-Key";

    private readonly ClusterConfig config;

    /// <summary>Creates the key file if it is missing, at agent start (the shipper needs this object), so it exists before the first batch.</summary>
    public AuditShipKey(ClusterConfig config)
    {
        this.config = config;
        _ = Current();
    }

    public string FilePath => Path.Combine(config.SecretsDir, "audit-ship.key");

    public string Current() => SecretFiles.GetOrCreate(FilePath, 32);

    public bool Accepts(string? presented) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Current()));
}
