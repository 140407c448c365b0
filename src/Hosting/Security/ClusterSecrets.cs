using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Hosting.Security;

/// <summary>Where each generated credential of a cluster lives in its state folder.</summary>
public static class ClusterSecrets
{
    /// <summary>
    /// The superuser. On a node's Postgres it has no password and logs in only on the local socket, as the
    /// agent's own OS user (peer): the HA supervisor's promotions, reloads and probes. The control plane's
    /// own Postgres still takes it over TCP with the password in <see cref="PostgresAdminPasswordFile"/>.
    /// </summary>
    public const string PostgresAdminUser = "conjur";

    /// <summary>The secrets API and the audit trail: no superuser; owns only its own tables in <c>policy</c> and <c>audit</c>; local socket only.</summary>
    public const string SecretsDatabaseUser = "conjur_secrets";

    /// <summary>The operator's login over TCP (psql through the load balancer, <c>cluster audit</c>, the drill): reads everything, owns only the tables it makes.</summary>
    public const string OperatorDatabaseUser = "conjur_operator";

    /// <summary>Streaming replication, base backups and pg_rewind's reads of a source: over TCP with a password.</summary>
    public const string ReplicationUser = "replicator";

    /// <summary>The header that carries the bootstrap token: not <c>X-Conjur-*</c>, which the load balancer drops from client requests.</summary>
    public const string BootstrapHeader = "Conjur-Bootstrap";

    public static string PostgresAdminPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "postgres-admin.pw");
    public static string ReplicationPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "replication.pw");
    public static string OperatorDatabasePasswordFile(this ClusterConfig c) => Path.Combine(c.OperatorSecretsDir(), "postgres.pw");
    /// <summary>The one broker password every part shared before each got its own: the launcher deletes it.</summary>
    public static string RabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "rabbitmq.pw");
    public static string RabbitMqErlangCookieFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "erlang.cookie");

    /// <summary>A node agent's own credentials (its etcd password, ...): on another host, only this folder goes there.</summary>
    public static string NodeSecretsDir(this ClusterConfig c, string node) => Path.Combine(c.SecretsDir, "nodes", node);

    /// <summary>The control plane's own credentials.</summary>
    public static string ControlPlaneSecretsDir(this ClusterConfig c) => Path.Combine(c.SecretsDir, "controlplane");

    /// <summary>What the operator's command-line tool authenticates with: the control plane API's tokens, its etcd and database passwords.</summary>
    public static string OperatorSecretsDir(this ClusterConfig c) => Path.Combine(c.SecretsDir, "operator");

    /// <summary>etcd's root password: used by <c>cluster up</c> alone, to seed the members and administer users.</summary>
    public static string EtcdRootPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "etcd-root.pw");

    public static string EtcdNodePasswordFile(this ClusterConfig c, string node) => Path.Combine(c.NodeSecretsDir(node), "etcd.pw");

    public static string EtcdOperatorPasswordFile(this ClusterConfig c) => Path.Combine(c.OperatorSecretsDir(), "etcd.pw");

    /// <summary>The key pair etcd signs its auth tokens with (every member needs both files).</summary>
    public static string EtcdTokenKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "etcd", "token-signing.key");

    public static string EtcdTokenPublicKeyFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "etcd", "token-signing.pub");

    public static EtcdCredentials EtcdRootCredentials(this ClusterConfig c) => new(EtcdAccess.RootUser, Required(c.EtcdRootPasswordFile(), "etcd root password"));

    /// <summary>A node agent's etcd user: a missing password file stops the agent at start, naming the file.</summary>
    public static EtcdCredentials EtcdNodeCredentials(this ClusterConfig c, string node) =>
        new(EtcdAccess.NodeUser(c.ClusterId, node), Required(c.EtcdNodePasswordFile(node), $"etcd password of node {node}"));

    public static EtcdCredentials EtcdOperatorCredentials(this ClusterConfig c) =>
        new(EtcdAccess.OperatorUser(c.ClusterId), Required(c.EtcdOperatorPasswordFile(), "operator's etcd password"));

    /// <summary>Makes every etcd password the topology needs (only <c>cluster up</c> does this); existing ones are kept.</summary>
    public static void EnsureEtcdPasswords(this ClusterConfig c)
    {
        SecretFiles.GetOrCreate(c.EtcdRootPasswordFile());
        SecretFiles.GetOrCreate(c.EtcdOperatorPasswordFile());
        foreach (var node in c.Nodes)
        {
            SecretFiles.GetOrCreate(c.EtcdNodePasswordFile(node.Id));
        }
    }

    private static string Required(string path, string what)
    {
        try
        {
            return SecretFiles.Read(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the {what} file {path} is missing: 'cluster up' creates it for a new cluster");
        }
    }

    /// <summary>The broker password of one node's agent (user <c>agent-{nodeId}</c>): read by that agent only.</summary>
    public static string AgentRabbitMqPasswordFile(this ClusterConfig c, string nodeId) => Path.Combine(c.NodeSecretsDir(nodeId), "rabbitmq.pw");

    /// <summary>The control plane's broker password (user <c>controlplane</c>).</summary>
    public static string ControlPlaneRabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.ControlPlaneSecretsDir(), "rabbitmq.pw");

    /// <summary>The read-only subscriber's broker password (user <c>subscriber</c>), for programs outside the cluster that follow its integration events.</summary>
    public static string SubscriberRabbitMqPasswordFile(this ClusterConfig c) => Path.Combine(c.SecretsDir, "subscriber", "rabbitmq.pw");

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

    /// <summary>The file of one API credential: relative paths in cluster.json are under the state folder.</summary>
    public static string TokenFile(this ClusterConfig c, ApiCredentialConfig credential) => Path.GetFullPath(Path.Combine(c.StateDir, credential.TokenFile));

    /// <summary>The operator credential the CLI and the launcher send: the one named 'operator', else the first with that role.</summary>
    public static string OperatorTokenFile(this ClusterConfig c) => c.TokenFile(
        c.ControlPlane.Access.Credentials.FirstOrDefault(x => x.Name == ApiAccessConfig.DefaultOperator && x.Role == ApiRole.Operator)
        ?? c.ControlPlane.Access.Credentials.First(x => x.Role == ApiRole.Operator));

    /// <summary>The viewer credential (the one named 'viewer', else the first with that role); null when none is configured.</summary>
    public static string? ViewerTokenFile(this ClusterConfig c) =>
        (c.ControlPlane.Access.Credentials.FirstOrDefault(x => x.Name == ApiAccessConfig.DefaultViewer && x.Role == ApiRole.Viewer)
         ?? c.ControlPlane.Access.Credentials.FirstOrDefault(x => x.Role == ApiRole.Viewer)) is { } v ? c.TokenFile(v) : null;

    /// <summary>
    /// Generates each configured API credential's token once (32 random bytes, hex, mode 0600): a new credential added
    /// to cluster.json gets its file at the next <c>up</c>; an existing token is never replaced (rotation is the operator's act).
    /// </summary>
    public static void EnsureApiTokens(this ClusterConfig c)
    {
        foreach (var credential in c.ControlPlane.Access.Credentials)
        {
            var path = c.TokenFile(credential);
            if (!File.Exists(path))
            {
                SecretFiles.GetOrCreate(path, 32);
            }
        }
    }

    /// <summary>The token the CLI sends: a missing file is a configuration error naming it (never a new token the control plane does not know).</summary>
    public static string ReadApiToken(string path)
    {
        try
        {
            return SecretFiles.Read(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigurationException($"the API token file {path} is missing: 'cluster up' creates it");
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException($"the API token file {path} cannot be read by this user");
        }
    }
}
