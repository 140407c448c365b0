using System.Globalization;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>One real RabbitMQ node (Debian's package) with its own epmd, started once for the class (a node takes
/// 10-50 s to boot on a loaded 2-core machine); the scenario that stops it runs last.</summary>
public sealed class RabbitMqNode : IAsyncLifetime
{
    public const int BasePort = 25200;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-rabbitmq-");

    public ClusterConfig Config { get; private set; } = null!;
    public RabbitMqLauncher Rabbit { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // In plain text: the launcher's users and restarts; the broker's TLS is BrokerPermissionsTests'.
        Config = DefaultTopology.Create(_dir.FullName, BasePort) with { Tls = new TlsConfig { Enabled = false } };
        Rabbit = new RabbitMqLauncher(Config);
        await Rabbit.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        // Stopped by the last scenario; this is for a run cut short.
        await Rabbit.StopAsync(CancellationToken.None);
        _dir.Delete(recursive: true);
    }
}

[TestCaseOrderer(StepOrderer.Name, StepOrderer.Assembly)]
public sealed class RabbitMqLauncherTests(RabbitMqNode node, ITestOutputHelper output) : IClassFixture<RabbitMqNode>
{
    private const string Ipv4Loopback = "0100007F";
    private const string Ipv6Loopback = "00000000000000000000000001000000";

    [Fact]
    public async Task Started_AmqpConnectionWithGeneratedCredentialsSucceeds()
    {
        output.WriteLine($"rabbitmq: node {node.Rabbit.NodeName} started in {node.Rabbit.LastStartDuration.TotalMilliseconds:0} ms");
        var login = BrokerLogin.ForAgent(node.Config, "node1");
        var factory = new ConnectionFactory
        {
            HostName = node.Config.RabbitMq.Host,
            Port = node.Config.RabbitMq.Port,
            UserName = login.User,
            Password = login.Password(),
            VirtualHost = node.Config.RabbitMq.VirtualHost,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // The launcher declared the agent's command queue before anyone connected.
        var queue = await channel.QueueDeclarePassiveAsync(AgentQueues.Name(node.Config.ClusterId, "node1"));
        queue.QueueName.ShouldBe(AgentQueues.Name(node.Config.ClusterId, "node1"));
    }

    [Fact]
    public async Task Started_EveryListenerOnLoopbackOnly()
    {
        var rmq = node.Config.RabbitMq;
        foreach (var port in new[] { rmq.Port, rmq.DistPort, rmq.EpmdPort })
        {
            var addresses = ListenAddresses(port);
            addresses.ShouldNotBeEmpty($"nothing listens on {port}");
            // epmd adds ::1 by itself when told 127.0.0.1: loopback either way.
            addresses.ShouldAllBe(a => a == Ipv4Loopback || a == Ipv6Loopback, $"port {port} must listen on loopback only");
        }
        await Task.CompletedTask;
    }

    [Fact]
    public async Task StartedAgain_KeepsTheRunningNode()
    {
        var before = node.Rabbit.Pid();
        before.ShouldNotBeNull();
        await node.Rabbit.StartAsync(CancellationToken.None);
        node.Rabbit.Pid().ShouldBe(before);
    }

    /// <summary>
    /// A state folder from before the user per part: one shared administrator (and, on a node that ever booted
    /// without a default user, guest) with its password file. Starting again leaves the cluster's users only.
    /// </summary>
    [Fact]
    public async Task StartedOnANodeWithTheOldSharedUser_LeavesOnlyTheClustersUsers()
    {
        foreach (var user in new[] { "conjur", "guest" })
        {
            (await node.Rabbit.CtlAsync(["add_user", user, "not-a-real-password"], TimeSpan.FromSeconds(60), CancellationToken.None)).ThrowOnFailure();
        }
        SecretFiles.Write(node.Config.RabbitMqPasswordFile(), "not-a-real-password");

        await node.Rabbit.StartAsync(CancellationToken.None);

        var listed = (await node.Rabbit.CtlAsync(["list_users", "--formatter", "json"], TimeSpan.FromSeconds(60), CancellationToken.None)).ThrowOnFailure();
        using var users = System.Text.Json.JsonDocument.Parse(listed.StdOut);
        users.RootElement.EnumerateArray().Select(u => u.GetProperty("user").GetString()).Order()
            .ShouldBe(BrokerLogin.All(node.Config).Select(l => l.User).Order());
        File.Exists(node.Config.RabbitMqPasswordFile()).ShouldBeFalse("the shared password file is gone with its user");
    }

    [Fact]
    [Step(Order = 1)]
    public async Task Stopped_NodeAndItsEpmdAreGone()
    {
        var pid = node.Rabbit.Pid()!.Value;
        var epmd = ListeningSockets.PidsListeningOn(node.Config.RabbitMq.EpmdPort);
        epmd.ShouldNotBeEmpty();

        await node.Rabbit.StopAsync(CancellationToken.None);

        Daemon.IsRunning(pid).ShouldBeFalse();
        node.Rabbit.Pid().ShouldBeNull();
        epmd.ShouldAllBe(p => !Daemon.IsRunning(p));
        ListeningSockets.PidsListeningOn(node.Config.RabbitMq.EpmdPort).ShouldBeEmpty();
    }

    /// <summary>Local addresses (hex, as /proc shows them) of IPv4 and IPv6 listeners on a port.</summary>
    private static List<string> ListenAddresses(int port)
    {
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .SelectMany(File.ReadLines)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c.Length > 3 && c[3] == "0A" && c[1].EndsWith(hexPort, StringComparison.Ordinal))
            .Select(c => c[1][..c[1].IndexOf(':', StringComparison.Ordinal)])
            .ToList();
    }
}
