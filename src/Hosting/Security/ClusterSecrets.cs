using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Security;

/// <summary>Where each generated credential of a cluster lives in its state folder.</summary>
public static class ClusterSecrets
{
    public const string PostgresAdminUser = "conjur";
    public const string ReplicationUser = "replicator";

    public static string PostgresAdminPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "postgres-admin.pw");
    public static string ReplicationPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "replication.pw");
    public static string RabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "rabbitmq.pw");
    public static string RabbitMqErlangCookieFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "erlang.cookie");

    /// <summary>The broker password of one node's agent (user <c>agent-{nodeId}</c>): read by that agent only.</summary>
    public static string AgentRabbitMqPasswordFile(this ClusterConfig c, string nodeId) => Path.Combine(c.SecretsDir, "nodes", nodeId, "rabbitmq.pw");

    /// <summary>The control plane's broker password (user <c>controlplane</c>).</summary>
    public static string ControlPlaneRabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "controlplane", "rabbitmq.pw");

    /// <summary>The read-only subscriber's broker password (user <c>subscriber</c>), for programs outside the cluster that follow its integration events.</summary>
    public static string SubscriberRabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "subscriber", "rabbitmq.pw");

    /// <summary>The 256-bit data key (base64) that encrypts secret values and token signing keys at rest: the operator's to keep.</summary>
    public static string DataKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "data.key");

    /// <summary>Guards the agent's internal account-creation endpoint (<c>cluster account create</c>), accepted only from loopback.</summary>
    public static string BootstrapTokenFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "bootstrap.token");

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
