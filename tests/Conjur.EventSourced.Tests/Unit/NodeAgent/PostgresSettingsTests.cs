using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Health;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.Tests.Unit.NodeAgent;

public sealed class PostgresSettingsTests
{
    private static readonly ClusterConfig Config = DefaultTopology.Create("/tmp/conjur-unit", 20000);

    [Fact]
    public void FirstMaster_NamesBothFailoverStandbys_SyncThenPotential()
    {
        PostgresSettings.SynchronousStandbyNames(Config, "node1").ShouldBe("FIRST 1 (node2, node3)");
    }

    [Fact]
    public void PromotedStandby_NamesTheOtherStandbyFirst_ThenTheOldMaster()
    {
        PostgresSettings.SynchronousStandbyNames(Config, "node2").ShouldBe("FIRST 1 (node3, node1)");
    }

    [Fact]
    public void Follower_StreamsFromTheLoadBalancer_Standby_FromTheMaster()
    {
        var master = Config.Node("node1");

        PostgresSettings.Upstream(Config, Config.Node("node4"), master).ShouldBe((Config.LoadBalancer.Host, Config.LoadBalancer.PostgresPort));
        PostgresSettings.Upstream(Config, Config.Node("node2"), master).ShouldBe((master.Host, master.PostgresPort));
    }

    [Fact]
    public void ReplicaSettings_WithTls_VerifyTheUpstream_AndPresentTheNodesPostgresCertificate_NeverASecretOfTheAgents()
    {
        var tls = Config with { Tls = new TlsConfig() };
        var s = PostgresSettings.ForReplica(tls, tls.Node("node2"), "/d", "/l", "127.0.0.1", 5432);

        s["primary_conninfo"].ShouldContain("sslmode=verify-full");
        s["primary_conninfo"].ShouldContain($"sslcert={tls.Postgres(tls.Node("node2")).CertFile}");
        s["primary_conninfo"].ShouldNotContain(tls.SecretsDir);
        s["ssl_key_file"].ShouldBe(tls.Postgres(tls.Node("node2")).KeyFile);
    }

    [Fact]
    public void ReplicaSettings_WithTlsOff_NameTheNodeAsApplication_AndReferToThePassFile()
    {
        var plain = Config with { Tls = new TlsConfig { Enabled = false } };
        var s = PostgresSettings.ForReplica(plain, plain.Node("node2"), "/d", "/l", "127.0.0.1", 5432);

        s["primary_conninfo"].ShouldContain("application_name=node2");
        s["primary_conninfo"].ShouldContain($"passfile={PostgresTools.ReplicationPassFile(plain, "node2")}");
        s["primary_conninfo"].ShouldNotContain(plain.SecretsDir);
        s["primary_conninfo"].ShouldNotContain("password=");
        s["recovery_target_timeline"].ShouldBe("latest");
    }

    [Fact]
    public void BootstrappingMaster_HasNoSynchronousStandbys_UntilItLeads()
    {
        PostgresSettings.ForMaster(Config, Config.Node("node1"), "/d", "/l", synchronous: false)["synchronous_standby_names"].ShouldBe("");
        PostgresSettings.ForMaster(Config, Config.Node("node1"), "/d", "/l", synchronous: true)["synchronous_standby_names"].ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData(0L, "0/0")]
    [InlineData(0x3000060L, "0/3000060")]
    [InlineData(0x1_0000_0010L, "1/10")]
    public void Lsn_IsFormattedAsPostgresDoes(long position, string expected)
    {
        HealthEndpoints.Lsn(position).ShouldBe(expected);
    }

    private static List<string[]> HbaLines(bool tls = false) =>
        PostgresSettings.Hba(tls).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

    [Fact]
    public void Hba_SuperuserAndSecretsRoleLogInOnlyOnTheLocalSocketByPeer() =>
        HbaLines().Where(l => l[2] is ClusterSecrets.PostgresAdminUser or ClusterSecrets.SecretsDatabaseUser)
            .ShouldAllBe(l => l[0] == "local" && l[3] == "peer" && l[4] == $"map={PostgresSettings.AgentIdentMap}");

    [Fact]
    public void Hba_OverTcpOnlyTheReplicationAndOperatorRoles_WithAPassword() =>
        HbaLines().Where(l => l[0] != "local")
            .ShouldAllBe(l => (l[2] == ClusterSecrets.ReplicationUser || l[2] == ClusterSecrets.OperatorDatabaseUser) && l[l.Length - 1] == "scram-sha-256");

    [Fact]
    public void Hba_WithTls_OverTcpOnlyTls_AndTheCertificateIsTheCredential() =>
        HbaLines(tls: true).Where(l => l[0] != "local")
            .ShouldAllBe(l => l[0] == "hostssl" && l[l.Length - 2] == "cert" && l[l.Length - 1] == $"map={PostgresTls.IdentityMap}");

    [Fact]
    public void Ident_WithTls_MapsEachNodesCertificatesToReplication_AndTheOperatorsToItsRole()
    {
        var lines = PostgresSettings.Ident("root", Config with { Tls = new TlsConfig() }).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(l => l.Length == 3 && l[0] == PostgresTls.IdentityMap)
            .Select(l => (l[1], l[2])).ToList();

        lines.ShouldContain(("postgres-node2", ClusterSecrets.ReplicationUser));
        lines.ShouldContain(("agent-node4", ClusterSecrets.ReplicationUser));
        lines.ShouldContain(("operator", ClusterSecrets.OperatorDatabaseUser));
        lines.ShouldNotContain(l => l.Item2 == ClusterSecrets.PostgresAdminUser || l.Item2 == ClusterSecrets.SecretsDatabaseUser);
    }

    [Fact]
    public void Hba_ReplicationRoleReachesNeitherPolicyNorAudit() =>
        HbaLines().Where(l => l[2] == ClusterSecrets.ReplicationUser).ShouldAllBe(l => l[1] == "replication" || l[1] == "postgres");

    [Fact]
    public void Ident_MapsOnlyTheAgentsOsUser_ToTheSuperuserAndTheSecretsRole() =>
        PostgresSettings.Ident("root", Config with { Tls = new TlsConfig { Enabled = false } }).Split('\n').Where(l => l.Trim().Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(l => (l[0], l[1], l[2]))
            .ShouldBe([(PostgresSettings.AgentIdentMap, "root", ClusterSecrets.PostgresAdminUser), (PostgresSettings.AgentIdentMap, "root", ClusterSecrets.SecretsDatabaseUser)]);
}
