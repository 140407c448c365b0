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

    public static string RabbitMqPassword(this ClusterConfig c) => SecretFiles.GetOrCreate(c.RabbitMqPasswordFile());
}
