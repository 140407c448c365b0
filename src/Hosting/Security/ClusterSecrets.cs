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
