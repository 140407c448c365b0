using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Hosting.Postgres;

/// <summary>
/// Postgres over TCP is TLS only, both ways verified: the server presents its node's certificate, and a client's
/// certificate from the cluster CA is its identity (<c>cert</c> in pg_hba; its common name mapped to a role by
/// <see cref="IdentityMap"/>), so no password crosses the network. The local socket stays peer-only.
/// </summary>
public static class PostgresTls
{
    /// <summary>The pg_ident map of certificate common names to roles.</summary>
    public const string IdentityMap = "cluster";

    /// <summary>The server side: its certificate, its key (owned by <c>postgres</c>, 0600) and the CA that client certificates must chain to.</summary>
    public static Dictionary<string, string> ServerSettings(CertificateSpec server) => new()
    {
        ["ssl"] = "on",
        ["ssl_cert_file"] = server.CertFile,
        ["ssl_key_file"] = server.KeyFile,
        ["ssl_ca_file"] = server.CaFile,
        ["ssl_min_protocol_version"] = "TLSv1.2",
    };

    /// <summary>Adds <see cref="ServerSettings"/> to a server's settings.</summary>
    public static Dictionary<string, string> WithServerTls(this Dictionary<string, string> settings, CertificateSpec server)
    {
        foreach (var (k, v) in ServerSettings(server))
        {
            settings[k] = v;
        }
        return settings;
    }

    /// <summary>The libpq parameters of a TLS login as <paramref name="identity"/>: for <c>primary_conninfo</c>, pg_basebackup, pg_rewind and psql.</summary>
    /// <remarks>GSS encryption off: libpq tries it first on every TCP connection (Npgsql 9 does not), and the Kerberos probe alone took 50 ms a login here.</remarks>
    public static string LibpqParameters(CertificateSpec identity) =>
        $"sslmode=verify-full sslrootcert={identity.CaFile} sslcert={identity.CertFile} sslkey={identity.KeyFile} gssencmode=disable";

    /// <summary>The same for Npgsql.</summary>
    public static NpgsqlConnectionStringBuilder Apply(NpgsqlConnectionStringBuilder builder, CertificateSpec identity)
    {
        builder.SslMode = SslMode.VerifyFull;
        builder.RootCertificate = identity.CaFile;
        builder.SslCertificate = identity.CertFile;
        builder.SslKey = identity.KeyFile;
        return builder;
    }

    /// <summary>
    /// Which certificate may log in as which role over TCP: each node's Postgres and agent as the replication role
    /// (streaming, base backups, pg_rewind), the operator as the operator's role, the control plane as the superuser
    /// of its own database (that server's map holds only that line).
    /// </summary>
    public static IEnumerable<(string CommonName, string Role)> NodeIdentities(ClusterConfig config)
    {
        foreach (var n in config.Nodes)
        {
            yield return (config.Postgres(n).Name, ClusterSecrets.ReplicationUser);
            yield return (config.Agent(n).Name, ClusterSecrets.ReplicationUser);
        }
        yield return (config.Operator().Name, ClusterSecrets.OperatorDatabaseUser);
    }

    public static string IdentLines(IEnumerable<(string CommonName, string Role)> identities) =>
        string.Concat(identities.Select(i => $"{IdentityMap}   {i.CommonName}   {i.Role}\n"));
}
