using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Security;

/// <summary>
/// Given a running master and follower, an attacker holding one database login at a time tries to read the
/// data key that decrypts every secret (<c>pg_read_file</c>: before, the secrets API was a superuser and the
/// <c>postgres</c> user owned <c>secrets/</c>). Every role the project uses is refused, the superuser cannot
/// log in over the network at all, and the state folder's credentials belong to the agents' user alone.
/// <para>
/// On the wire too: every link between parts is mutual TLS under the cluster CA. For each (one file per link,
/// <c>LeastPrivilegeTests.*Tls.cs</c>), plain text, a connection without a client certificate and one with a
/// certificate of another CA are refused, and the cluster's own certificate works. They share this cluster, since a
/// cluster's start is most of a test's cost.
/// </para>
/// </summary>
[Collection("clusters")]
public sealed partial class LeastPrivilegeTests(MasterWithFollowerForLeastPrivilege cluster, ITestOutputHelper output) : IClassFixture<MasterWithFollowerForLeastPrivilege>
{
    private string DataKey => cluster.Config.DataKeyFile();

    [Fact]
    public async Task PgReadFileOfTheDataKey_RefusedForEveryDatabaseRole()
    {
        var logins = new Dictionary<string, string>
        {
            ["operator through the load balancer"] = cluster.LoadBalancerConnectionString(),
            ["operator on the follower"] = cluster.NodeConnectionString("node2"),
            ["secrets API role on the master's socket"] = Local("node1", "policy", ClusterSecrets.SecretsDatabaseUser),
            ["secrets API role on the follower's socket"] = Local("node2", "audit", ClusterSecrets.SecretsDatabaseUser),
            ["superuser on the master's socket"] = cluster.NodeAdminConnectionString("node1"),
            ["replication role"] = PostgresTools.ConnectionString(cluster.Config, "127.0.0.1", cluster.Node("node1").PostgresPort, "postgres", user: ClusterSecrets.ReplicationUser,
                identity: cluster.Config.Agent(cluster.Node("node2"))),
        };
        foreach (var (who, login) in logins)
        {
            foreach (var read in new[] { $"SELECT pg_read_file('{DataKey}')", $"SELECT pg_read_binary_file('{DataKey}')" })
            {
                var e = await Should.ThrowAsync<PostgresException>(() => cluster.ScalarAsync(login, read), who);
                output.WriteLine($"{who}: {e.MessageText}");
                // Refused for want of the right, or (the superuser) by the file system: never a key.
                (e.SqlState is PostgresErrorCodes.InsufficientPrivilege || e.MessageText.Contains("Permission denied", StringComparison.Ordinal)
                    || e.MessageText.Contains("absolute path not allowed", StringComparison.Ordinal)).ShouldBeTrue($"{who}: {e.MessageText}");
            }
        }
    }

    [Fact]
    public async Task SecretsApiRole_IsNoSuperuser_AndOwnsEverySecretsAndAuditTable()
    {
        var master = cluster.NodeAdminConnectionString("node1", "policy");
        (await cluster.ScalarAsync(master, $"SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname = '{ClusterSecrets.SecretsDatabaseUser}'"))
            .ShouldBe(false);
        (await cluster.ScalarAsync(master, $"SELECT count(*) FROM pg_tables WHERE tablename LIKE 'secrets\\_%' AND tableowner <> '{ClusterSecrets.SecretsDatabaseUser}'")).ShouldBe(0L);
        (await cluster.ScalarAsync(master, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'secrets\\_%'")).ShouldNotBe(0L);
        var audit = cluster.NodeAdminConnectionString("node1", "audit");
        (await cluster.ScalarAsync(audit, "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_records'")).ShouldBe(ClusterSecrets.SecretsDatabaseUser);
    }

    [Fact]
    public async Task Operator_ReadsButCannotChangeTheSecretsTables()
    {
        (await cluster.ScalarAsync(cluster.LoadBalancerConnectionString(), "SELECT count(*) FROM secrets_accounts")).ShouldBeOfType<long>();
        var e = await Should.ThrowAsync<PostgresException>(() =>
            cluster.ExecuteAsync(cluster.LoadBalancerConnectionString(), "UPDATE secrets_resources SET owner_id = 'x' WHERE false"));
        e.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task Superuser_CannotLogInOverTcpEvenWithAPassword()
    {
        foreach (var port in new[] { cluster.Config.LoadBalancer.PostgresPort, cluster.Node("node1").PostgresPort })
        {
            var login = new NpgsqlConnectionStringBuilder(PostgresTools.ConnectionString(cluster.Config, "127.0.0.1", port, "postgres", user: ClusterSecrets.PostgresAdminUser))
            {
                Passfile = null,
                Password = SecretFiles.Read(cluster.Config.PostgresAdminPasswordFile()),
            }.ConnectionString;
            var e = await Should.ThrowAsync<PostgresException>(() => cluster.ScalarAsync(login, "SELECT 1"));
            e.MessageText.ShouldContain("no pg_hba.conf entry");
        }
    }

    [Fact]
    public async Task ReplicationRole_CannotReadThePolicyDatabase()
    {
        var login = PostgresTools.ConnectionString(cluster.Config, "127.0.0.1", cluster.Config.LoadBalancer.PostgresPort, "policy", user: ClusterSecrets.ReplicationUser);
        var e = await Should.ThrowAsync<PostgresException>(() => cluster.ScalarAsync(login, "SELECT 1"));
        e.MessageText.ShouldContain("no pg_hba.conf entry");
    }

    [Fact]
    public async Task SecretsFolder_IsTheAgentsUsersAlone_AndThePostgresUserCannotReadIt()
    {
        var dir = new DirectoryInfo(cluster.Config.SecretsDir);
        var uid = (await CommandRunner.RunAsync("id", ["-u"], TimeSpan.FromSeconds(5))).StdOut.Trim();
        foreach (var entry in dir.EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Prepend(dir))
        {
            var stat = (await CommandRunner.RunAsync("stat", ["-c", "%u %a", entry.FullName], TimeSpan.FromSeconds(5))).StdOut.Trim().Split(' ');
            stat[0].ShouldBe(uid, entry.FullName);
            var others = File.GetUnixFileMode(entry.FullName) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            others.ShouldBe((UnixFileMode)0, $"{entry.FullName} is mode {stat[1]}");
        }
        if (SystemUsers.IsRoot)
        {
            var read = await CommandRunner.RunAsync("cat", [DataKey], TimeSpan.FromSeconds(5), runAs: SystemUsers.Postgres);
            read.Succeeded.ShouldBeFalse();
            read.StdOut.ShouldBeEmpty();
        }
    }

    private string Local(string node, string database, string user) => PostgresTools.LocalConnectionString(cluster.Config, cluster.Node(node), database, user);
}
