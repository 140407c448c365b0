using System.Diagnostics;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using dotnet_etcd;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>Three real etcd members on loopback, started fresh for each scenario.</summary>
public sealed class EtcdLauncherTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BasePort = 25000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-etcd-");
    private ClusterConfig _config = null!;
    private EtcdLauncher _etcd = null!;

    public async Task InitializeAsync()
    {
        // In plain text: this is the launcher's membership and restart logic; the TLS of etcd's links is EtcdAuthenticationTests'.
        _config = DefaultTopology.Create(_dir.FullName, BasePort) with { Tls = new TlsConfig { Enabled = false } };
        _etcd = new EtcdLauncher(_config);
        var clock = Stopwatch.StartNew();
        await _etcd.StartAsync(CancellationToken.None);
        output.WriteLine($"etcd: 3 members healthy in {clock.ElapsedMilliseconds} ms");
    }

    public async Task DisposeAsync()
    {
        var pids = _etcd.Pids();
        await _etcd.StopAsync(CancellationToken.None);
        pids.ShouldAllBe(pid => !Daemon.IsRunning(pid));
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Started_EveryMemberHealthyAndServesPutGet()
    {
        _etcd.Pids().Count.ShouldBe(3);
        foreach (var member in _config.Etcd.Members)
        {
            (await _etcd.IsHealthyAsync(member, CancellationToken.None)).ShouldBeTrue();
        }
        using var client = Client();
        await client.PutAsync(_config.EtcdPrefix + "probe", "hello", deadline: Deadline());
        (await client.GetValAsync(_config.EtcdPrefix + "probe", deadline: Deadline())).ShouldBe("hello");
    }

    [Fact]
    public async Task StartedAgain_LeavesRunningMembersAlone()
    {
        var before = _etcd.Pids();
        await _etcd.StartAsync(CancellationToken.None);
        _etcd.Pids().ShouldBe(before);
    }

    [Fact]
    public async Task OneMemberKilled_ClusterStillServes()
    {
        var victim = Daemon.ReadPid(_etcd.PidFile("etcd1"))!.Value;
        Daemon.Kill(victim);
        (await Daemon.WaitForExitAsync(victim, Bound)).ShouldBeTrue();

        using var client = Client();
        // The client may first try the dead member: a write that lands within the bound is the outcome.
        await Wait.ForAsync("a write with one etcd member dead", async ct =>
        {
            await client.PutAsync(_config.EtcdPrefix + "after-kill", "still-here", deadline: Deadline(), cancellationToken: ct);
            return true;
        }, Bound);
        (await client.GetValAsync(_config.EtcdPrefix + "after-kill", deadline: Deadline())).ShouldBe("still-here");
        (await _etcd.IsHealthyAsync(_config.Etcd.Members[1], CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task StoppedAndRestarted_RejoinsWithItsData()
    {
        using (var client = Client())
        {
            await client.PutAsync(_config.EtcdPrefix + "durable", "kept", deadline: Deadline());
        }
        var before = _etcd.Pids();
        var stopping = Stopwatch.StartNew();
        await _etcd.StopAsync(CancellationToken.None);
        output.WriteLine($"etcd: 3 members stopped in {stopping.ElapsedMilliseconds} ms");
        before.ShouldAllBe(pid => !Daemon.IsRunning(pid));
        _etcd.Pids().ShouldBeEmpty();

        var clock = Stopwatch.StartNew();
        await _etcd.StartAsync(CancellationToken.None);
        output.WriteLine($"etcd: restarted on existing data in {clock.ElapsedMilliseconds} ms");

        _etcd.Pids().Count.ShouldBe(3);
        using var again = Client();
        (await again.GetValAsync(_config.EtcdPrefix + "durable", deadline: Deadline())).ShouldBe("kept");
    }

    private EtcdClient Client() => new(string.Join(',', _config.EtcdEndpoints));

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(3);
}
