using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Security;

/// <summary>Where each generated credential of a cluster lives in its state folder.</summary>
public static class ClusterSecrets
{
    public const string PostgresAdminUser = "conjur";
    public const string ReplicationUser = "replicator";

    /// <summary>The header that carries the bootstrap token: not <c>X-Conjur-*</c>, which the load balancer drops from client requests.</summary>
    public const string BootstrapHeader = "Conjur-Bootstrap";

    public static string PostgresAdminPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "postgres-admin.pw");
    public static string ReplicationPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "replication.pw");
    public static string RabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "rabbitmq.pw");
    public static string RabbitMqErlangCookieFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "erlang.cookie");

    /// <summary>The 256-bit data key (base64) that encrypts secret values and token signing keys at rest: the operator's to keep.</summary>
    public static string DataKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "data.key");

    /// <summary>Guards the agent's internal account-creation endpoint (<c>cluster account create</c>), accepted only from loopback.</summary>
    public static string BootstrapTokenFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "bootstrap.token");

    /// <summary>
    /// The root every node's signing key is derived from (<see cref="NodeKeys"/>): held by <c>cluster up</c> and by the
    /// agents of nodes that can become master (they check what other nodes sign); a follower never reads it.
    /// </summary>
    public static string NodeKeyRootFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "node-keys.root");

    /// <summary>A node's own signing key (its audit batches, the client of a write it forwards): read by that node's agent only.</summary>
    public static string NodeSigningKeyFile(this ClusterConfig c, string nodeId) => Path.Combine(c.SecretsDir, "nodes", nodeId, "signing.key");

    /// <summary>The key the load balancer vouches for a client's address with (<c>X-Conjur-Hop</c>); read by the launcher and the master-capable agents.</summary>
    public static string LoadBalancerHopKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "loadbalancer", "hop.key");

    /// <summary>The shared audit key every agent once sent in clear: removed by <see cref="NodeKeys.Ensure"/>.</summary>
    public static string LegacyAuditShipKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "audit-ship.key");

    /// <summary>Generates the data key once (32 random bytes, base64, mode 0600); an existing key is never replaced.</summary>
    public static void EnsureDataKey(this ClusterConfig c)
    {
        if (!File.Exists(c.DataKeyFile()))
        {
            SecretFiles.Write(c.DataKeyFile(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }
    }

    /// <summary>Generates the bootstrap token once.</summary>
    public static void EnsureBootstrapToken(this ClusterConfig c) => SecretFiles.GetOrCreate(c.BootstrapTokenFile(), 32);

    /// <summary>The data key: a missing or malformed file is a configuration error (never a reason to make a new key, which would orphan every stored value).</summary>
    public static byte[] DataKey(this ClusterConfig c)
    {
        var path = c.DataKeyFile();
        string text;
        try
        {
            text = SecretFiles.Read(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the data key file {path} is missing: 'cluster up' creates it for a new cluster; restore the operator's copy for an existing one");
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ConfigurationException($"the data key file {path} is malformed: expected 32 bytes in base64");
        }
        if (key.Length != 32)
        {
            throw new ConfigurationException($"the data key file {path} is malformed: expected 32 bytes in base64, found {key.Length} bytes");
        }
        return key;
    }

    /// <summary>Generates the broker password if it does not exist yet: only the broker's launcher does this.</summary>
    public static string EnsureRabbitMqPassword(this ClusterConfig c) => SecretFiles.GetOrCreate(c.RabbitMqPasswordFile());

    /// <summary>
    /// The broker password for its clients. A missing file is an error, not a reason to invent a new
    /// password the broker has never heard of (the client would only fail later, at login).
    /// </summary>
    public static string RabbitMqPassword(this ClusterConfig c)
    {
        try
        {
            return SecretFiles.Read(c.RabbitMqPasswordFile());
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the RabbitMQ password file {c.RabbitMqPasswordFile()} is missing: start the broker with 'cluster up' first");
        }
    }
}
