using System.Globalization;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>A real RabbitMQ node (Debian's package) with its own epmd, started fresh for each scenario.</summary>
public sealed class RabbitMqLauncherTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int BasePort = 40200;
    private const string Ipv4Loopback = "0100007F";
    private const string Ipv6Loopback = "00000000000000000000000001000000";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-rabbitmq-");
    private ClusterConfig _config = null!;
    private RabbitMqLauncher _rabbit = null!;

    public async Task InitializeAsync()
    {
        _config = DefaultTopology.Create(_dir.FullName, BasePort);
        _rabbit = new RabbitMqLauncher(_config);
        await _rabbit.StartAsync(CancellationToken.None);
        output.WriteLine($"rabbitmq: node {_rabbit.NodeName} started in {_rabbit.LastStartDuration.TotalMilliseconds:0} ms");
    }

    public async Task DisposeAsync()
    {
        var pid = _rabbit.Pid();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _rabbit.StopAsync(CancellationToken.None);
        output.WriteLine($"rabbitmq: stopped in {clock.ElapsedMilliseconds} ms");
        if (pid is { } p)
        {
            Daemon.IsRunning(p).ShouldBeFalse();
        }
        ListeningSockets.PidsListeningOn(_config.RabbitMq.EpmdPort).ShouldBeEmpty();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task Started_AmqpConnectionWithGeneratedCredentialsSucceeds()
    {
        var factory = new ConnectionFactory
        {
            HostName = _config.RabbitMq.Host,
            Port = _config.RabbitMq.Port,
            UserName = _config.RabbitMq.User,
            Password = _config.RabbitMqPassword(),
            VirtualHost = _config.RabbitMq.VirtualHost,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync(exclusive: true);
        queue.QueueName.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Started_EveryListenerOnLoopbackOnly()
    {
        var rmq = _config.RabbitMq;
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
        var before = _rabbit.Pid();
        before.ShouldNotBeNull();
        await _rabbit.StartAsync(CancellationToken.None);
        _rabbit.Pid().ShouldBe(before);
    }

    [Fact]
    public async Task Stopped_NodeAndItsEpmdAreGone()
    {
        var pid = _rabbit.Pid()!.Value;
        var epmd = ListeningSockets.PidsListeningOn(_config.RabbitMq.EpmdPort);
        epmd.ShouldNotBeEmpty();

        await _rabbit.StopAsync(CancellationToken.None);

        Daemon.IsRunning(pid).ShouldBeFalse();
        _rabbit.Pid().ShouldBeNull();
        epmd.ShouldAllBe(p => !Daemon.IsRunning(p));
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
