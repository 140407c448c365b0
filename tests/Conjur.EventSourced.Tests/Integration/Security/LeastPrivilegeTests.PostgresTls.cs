using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Npgsql.Replication;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>Postgres over TCP: a login and replication each refuse plain text, no certificate and a foreign one; the cluster's certificate works.</summary>
public sealed partial class LeastPrivilegeTests
{
    [Fact]
    public async Task PostgresLogin_PlainText_Refused() =>
        (await Should.ThrowAsync<PostgresException>(() => cluster.ScalarAsync(Login(b => b.SslMode = SslMode.Disable), "SELECT 1")))
            .MessageText.ShouldContain("no encryption");

    [Fact]
    public async Task PostgresLogin_TlsWithoutAClientCertificate_Refused() =>
        (await Should.ThrowAsync<PostgresException>(() => cluster.ScalarAsync(Login(b => { b.SslCertificate = null; b.SslKey = null; }), "SELECT 1")))
            .MessageText.ShouldContain("connection requires a valid client certificate");

    [Fact]
    public async Task PostgresLogin_CertificateOfAnotherCa_Refused()
    {
        using var foreign = new ForeignCertificate("operator", cluster.Config.PublicCaFile());
        var logged = MasterLogLength();

        var e = await Should.ThrowAsync<NpgsqlException>(() => cluster.ScalarAsync(Login(b => PostgresTls.Apply(b, foreign.Spec)), "SELECT 1"));

        output.WriteLine(Describe(e));
        await RefusedAsUnverifiedAsync(logged);
    }

    [Fact]
    public async Task PostgresLogin_OperatorsCertificate_IsTheIdentity()
    {
        (await cluster.ScalarAsync(Login(_ => { }), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).ShouldBe(true);
        (await cluster.ScalarAsync(Login(_ => { }), "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).ShouldBe("/CN=operator");
    }

    [Fact]
    public async Task PostgresLogin_AnotherPartsCertificate_CannotActAsTheOperator()
    {
        var e = await Should.ThrowAsync<PostgresException>(() =>
            cluster.ScalarAsync(Login(b => PostgresTls.Apply(b, cluster.Config.Postgres(cluster.Node("node2")))), "SELECT 1"));

        e.MessageText.ShouldContain("certificate authentication failed");
    }

    [Fact]
    public async Task PostgresReplication_PlainText_Refused() =>
        (await Should.ThrowAsync<PostgresException>(() => IdentifySystemAsync(b => b.SslMode = SslMode.Disable)))
            .MessageText.ShouldContain("no encryption");

    [Fact]
    public async Task PostgresReplication_TlsWithoutAClientCertificate_Refused() =>
        (await Should.ThrowAsync<PostgresException>(() => IdentifySystemAsync(b => { b.SslCertificate = null; b.SslKey = null; })))
            .MessageText.ShouldContain("connection requires a valid client certificate");

    [Fact]
    public async Task PostgresReplication_CertificateOfAnotherCa_Refused()
    {
        using var foreign = new ForeignCertificate("postgres-node2", cluster.Config.PublicCaFile());
        var logged = MasterLogLength();

        var e = await Should.ThrowAsync<NpgsqlException>(() => IdentifySystemAsync(b => PostgresTls.Apply(b, foreign.Spec)));

        output.WriteLine(Describe(e));
        await RefusedAsUnverifiedAsync(logged);
    }

    [Fact]
    public async Task PostgresReplication_NodesCertificate_Streams()
    {
        (await IdentifySystemAsync(_ => { })).ShouldNotBeNullOrEmpty();
        // The follower's walreceiver itself: over TLS, as its Postgres certificate.
        (await cluster.ScalarAsync(cluster.NodeAdminConnectionString("node1"),
            "SELECT s.client_dn FROM pg_stat_ssl s JOIN pg_stat_replication r USING (pid) WHERE r.application_name = 'node2'")).ShouldBe("/CN=postgres-node2");
    }

    /// <summary>The operator's login on the master's own port, as <paramref name="change"/> leaves it.</summary>
    private string Login(Action<NpgsqlConnectionStringBuilder> change)
    {
        var node = cluster.Node("node1");
        var builder = new NpgsqlConnectionStringBuilder(PostgresTools.ConnectionString(cluster.Config, node.Host, node.PostgresPort, "policy")) { Passfile = null };
        change(builder);
        return builder.ConnectionString;
    }

    /// <summary>A replication connection to the master as node2's Postgres would open one; returns the system id.</summary>
    private async Task<string?> IdentifySystemAsync(Action<NpgsqlConnectionStringBuilder> change)
    {
        var node = cluster.Node("node1");
        var builder = new NpgsqlConnectionStringBuilder(PostgresTools.ConnectionString(cluster.Config, node.Host, node.PostgresPort, "postgres",
            user: ClusterSecrets.ReplicationUser, identity: cluster.Config.Postgres(cluster.Node("node2")))) { Passfile = null };
        change(builder);
        await using var replication = new PhysicalReplicationConnection(builder.ConnectionString);
        await replication.Open();
        return (await replication.IdentifySystem()).SystemId;
    }

    private string MasterLog => Path.Combine(cluster.Config.NodeDir("node1"), "postgres.log");

    private long MasterLogLength() => new FileInfo(MasterLog).Length;

    /// <summary>Under TLS 1.3 the client only sees its connection reset; the server says why, in its log, after <paramref name="from"/>.</summary>
    private async Task RefusedAsUnverifiedAsync(long from) =>
        await Wait.ForAsync("the master's Postgres to log the refused certificate", async c =>
        {
            await using var log = new FileStream(MasterLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            log.Seek(from, SeekOrigin.Begin);
            return (await new StreamReader(log).ReadToEndAsync(c)).Contains("certificate verify failed", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));

    private static string Describe(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
}
