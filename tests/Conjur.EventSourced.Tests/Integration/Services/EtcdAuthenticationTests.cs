using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Grpc.Core;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>
/// Given the cluster's three etcd members started and secured by the same code as <c>cluster up</c>, an
/// attacker on the same host tries what anyone could do before: read every key, fence the master by
/// deleting its membership, pick the next master by taking the promotion lock. Each part's own user may do
/// exactly its job and no more.
/// </summary>
public sealed partial class EtcdAuthenticationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BasePort = 25800;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-etcd-auth-");
    private ClusterConfig _config = null!;
    private EtcdLauncher _etcd = null!;
    private ClusterKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _config = DefaultTopology.Create(_dir.FullName, BasePort, clusterId: "auth");
        _keys = new ClusterKeys(_config);
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        _etcd = new EtcdLauncher(_config);
        await _etcd.StartAsync(CancellationToken.None);
        await new EtcdAuthSetup(_config).EnsureAsync(CancellationToken.None);
        using var root = Session(_config.EtcdRootCredentials());
        (await Membership.SeedOnceAsync(root, _config, CancellationToken.None)).ShouldBeTrue();
    }

    public async Task DisposeAsync()
    {
        await _etcd.StopAsync(CancellationToken.None);
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task AnonymousEtcdctl_CannotReadOrWriteAnyKey()
    {
        var get = await Etcdctl("get", "--prefix", _keys.Prefix);
        get.Succeeded.ShouldBeFalse();
        // The cluster's certificate gets it through TLS, but etcd then takes the certificate's name as the user, and
        // 'operator' is no etcd user with any right.
        get.StdErr.ShouldContain("permission denied");
        get.StdOut.ShouldNotContain("members");

        (await Etcdctl("put", _keys.PromotionLock, "node3")).Succeeded.ShouldBeFalse();
        (await Etcdctl("del", _keys.Member("node1"))).Succeeded.ShouldBeFalse();

        using var root = Session(_config.EtcdRootCredentials());
        (await root.GetKeyAsync(_keys.PromotionLock)).ShouldBeNull();
        (await root.GetKeyAsync(_keys.Member("node1"))).ShouldNotBeNull();
    }

    [Fact]
    public async Task Follower_CannotFenceTheMasterOrTakeTheLock()
    {
        using var follower = Session(_config.EtcdNodeCredentials("node4"));
        await Refused(() => follower.DeleteAsync(_keys.Member("node1")));
        await Refused(() => follower.PutAsync(_keys.PromotionLock, "node4"));
        await Refused(() => follower.PutAsync(_keys.Leader, "node4"));
        await Refused(() => follower.PutAsync(_keys.Member("node4"), "{\"role\":\"master\"}"));

        // Its own job still works: the alive and status keys, and reading the cluster.
        await follower.PutAsync(_keys.Alive("node4"), "now");
        (await follower.GetPrefixAsync(_keys.MembersPrefix)).Kvs.Count.ShouldBe(4);
    }

    [Fact]
    public async Task Standby_TakesTheLockButNeverWritesAnotherNodesKeys()
    {
        using var standby = Session(_config.EtcdNodeCredentials("node2"));
        await Refused(() => standby.PutAsync(_keys.Alive("node1"), "forged"));
        await Refused(() => standby.PutAsync(_keys.Status("node3"), "forged"));
        await Refused(() => standby.PutAsync(_keys.Initialized, "again"));

        await standby.PutAsync(_keys.PromotionLock, "node2");
        (await standby.GetStringAsync(_keys.PromotionLock)).ShouldBe("node2");
    }

    [Fact]
    public async Task Operator_ReadsEverythingAndWritesNothing()
    {
        using var op = Session(_config.EtcdOperatorCredentials());
        (await op.GetPrefixAsync(_keys.Prefix)).Kvs.Count.ShouldBeGreaterThan(4);
        await Refused(() => op.PutAsync(_keys.Leader, "node3"));
    }

    [Fact]
    public async Task WrongPassword_RefusedWithTheUserNamedAndThePasswordNot()
    {
        using var impostor = Session(new EtcdCredentials(EtcdAccess.NodeUser("auth", "node1"), "not-the-password"));
        var e = await Should.ThrowAsync<EtcdAuthenticationException>(() => impostor.GetAsync(_keys.Leader));
        e.Message.ShouldContain("auth-node1");
        e.Message.ShouldNotContain("not-the-password");
    }

    [Fact]
    public async Task SetupRunAgain_ChangesNothingSoNoTokenIsInvalidated()
    {
        using var agent = Session(_config.EtcdNodeCredentials("node1"));
        await agent.GetAsync(_keys.Leader);
        await new EtcdAuthSetup(_config).EnsureAsync(CancellationToken.None);
        await agent.GetAsync(_keys.Leader);
        agent.Authentications.ShouldBe(1);
    }

    [Fact]
    public async Task UserStoreChanged_AgentsAuthenticateAgainWithoutAFailedCall()
    {
        using var agent = Session(_config.EtcdNodeCredentials("node2"));
        await agent.PutAsync(_keys.Alive("node2"), "before");

        // A node joins the topology: its user and role are added, which makes every earlier token stale.
        var grown = _config with { Nodes = [.. _config.Nodes, _config.Nodes[^1] with { Id = "node5", HttpPort = BasePort + 150, PostgresPort = BasePort + 151 }] };
        await new EtcdAuthSetup(grown).EnsureAsync(CancellationToken.None);

        await agent.PutAsync(_keys.Alive("node2"), "after");
        (await agent.GetStringAsync(_keys.Alive("node2"))).ShouldBe("after");
        agent.Authentications.ShouldBe(2);
        using var newcomer = Session(grown.EtcdNodeCredentials("node5"));
        await newcomer.PutAsync(_keys.Alive("node5"), "joined");
    }

    private EtcdSession Session(EtcdCredentials credentials) => EtcdSession.For(_config, _config.Operator(), credentials, TimeSpan.FromSeconds(3));

    private async Task Refused(Func<Task> call)
    {
        var e = await Should.ThrowAsync<RpcException>(call);
        output.WriteLine($"refused: {e.Status.Detail}");
        e.StatusCode.ShouldBe(StatusCode.PermissionDenied);
    }

    private Task<CommandResult> Etcdctl(params string[] args) =>
        CommandRunner.RunAsync("etcdctl", ["--endpoints", string.Join(',', _config.EtcdEndpoints), "--dial-timeout", "2s", "--command-timeout", "3s",
            "--cacert", _config.PublicCaFile(), "--cert", _config.Operator().CertFile, "--key", _config.Operator().KeyFile, .. args],
            TimeSpan.FromSeconds(15), env: new Dictionary<string, string> { ["ETCDCTL_API"] = "3" });
}
