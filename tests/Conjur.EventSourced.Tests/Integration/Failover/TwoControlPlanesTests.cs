using System.Collections.Concurrent;
using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.Messaging;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Tests.Fixtures;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using static Conjur.EventSourced.Tests.Integration.Failover.FailoverMessages;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>
/// Two control planes of one cluster on a real RabbitMQ (base port 25600) and one Postgres, competing
/// for the same saga queue, with stand-in agents that answer at once: replicas' answers for one saga
/// land on both instances together, so transitions of one saga really race. Each command must still be
/// sent once and each failover completed once.
/// </summary>
[Collection("failover")]
public sealed class TwoControlPlanesTests(FailoverPostgres postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int BasePort = 25600;
    private static readonly string[] Replicas = ["node3", "node4", "node5", "node6", "node7", "node8"];

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-saga-rabbit-");
    private readonly ConcurrentDictionary<string, int> _commands = new();
    private readonly ConcurrentDictionary<Guid, int> _completed = new();
    private ClusterConfig _config = null!;
    private RabbitMqLauncher _rabbit = null!;
    private readonly Dictionary<string, IBusControl> _agents = [];
    private IBusControl _subscriber = null!;
    private readonly List<ServiceProvider> _controlPlanes = [];

    public async Task InitializeAsync()
    {
        _config = DefaultTopology.Create(_dir.FullName, BasePort, clusterId: "two" + Guid.NewGuid().ToString("N")[..6],
            nodes: [("node1", NodeRole.Master, false), .. new[] { "node2" }.Concat(Replicas).Select(n => (n, NodeRole.Standby, false))]);
        await new CertificateIssuer(_config).EnsureAsync(CancellationToken.None);
        _rabbit = new RabbitMqLauncher(_config);
        await _rabbit.StartAsync(CancellationToken.None);
        foreach (var node in new[] { "node2" }.Concat(Replicas))
        {
            _agents[node] = StartAgent(node);
            await _agents[node].StartAsync();
        }
        _subscriber = StartSubscriber();
        await _subscriber.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            var provider = ControlPlane();
            await provider.GetRequiredService<IBusControl>().StartAsync();
            _controlPlanes.Add(provider);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var provider in _controlPlanes)
        {
            await provider.GetRequiredService<IBusControl>().StopAsync();
            await provider.DisposeAsync();
        }
        foreach (var agent in _agents.Values)
        {
            await agent.StopAsync();
        }
        await _subscriber.StopAsync();
        var pid = _rabbit.Pid();
        await _rabbit.StopAsync(CancellationToken.None);
        if (pid is { } p)
        {
            Daemon.IsRunning(p).ShouldBeFalse();
        }
        _dir.Delete(recursive: true);
    }

    private ServiceProvider ControlPlane()
    {
        var services = new ServiceCollection();
        // MassTransit keeps the first bus's logger factory in a static log context; a factory that is
        // never disposed lets a later host in the same test process start after an earlier one stopped.
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddLogging();
        services.AddSingleton(_config);
        services.AddSingleton(TimeProvider.System);
        services.AddMarten(o =>
        {
            o.Connection(postgres.ConnectionString);
            ControlPlaneStore.Configure(o);
        });
        services.AddHeartbeats();
        services.AddClusterHistory();
        services.AddFailover();
        services.AddSingleton<IClusterMembersReader>(new FixedMembers("node1", ["node1", "node2", .. Replicas]));
        services.AddControlPlaneBus(_config);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// One stand-in agent per node, logged in as that node's agent and configured as one (its command queue as the
    /// launcher declared it, reports to the prepared exchanges), answering at once as an agent that succeeds.
    /// </summary>
    private IBusControl StartAgent(string node) => Bus.Factory.CreateUsingRabbitMq(rabbit =>
    {
        rabbit.LogInAs(_config, BrokerLogin.ForAgent(_config, node));
        rabbit.PublishToPreparedExchanges();
        rabbit.ReceiveEndpoint(AgentQueues.Name(_config.ClusterId, node), e =>
        {
            e.AsPreparedCommandQueue();
            e.Handler<PromoteStandby>(c =>
            {
                _commands.AddOrUpdate($"promote/{c.Message.FailoverId}/{c.Message.NodeId}", 1, (_, n) => n + 1);
                return c.Publish(Promoted(_config.ClusterId, c.Message.FailoverId, c.Message.NodeId));
            });
            e.Handler<RebaseStandby>(c =>
            {
                _commands.AddOrUpdate($"rebase/{c.Message.FailoverId}/{c.Message.NodeId}", 1, (_, n) => n + 1);
                return c.Publish(Rebased(_config.ClusterId, c.Message.FailoverId, c.Message.NodeId, c.Message.NewMaster));
            });
        });
    });

    /// <summary>A subscriber to FailoverCompleted on a queue of the cluster's (the control plane's user may declare those).</summary>
    private IBusControl StartSubscriber() => Bus.Factory.CreateUsingRabbitMq(rabbit =>
    {
        rabbit.LogInAs(_config, BrokerLogin.ForControlPlane(_config));
        rabbit.ReceiveEndpoint($"{_config.ClusterId}-test-subscriber", e => e.Handler<FailoverCompleted>(c =>
        {
            _completed.AddOrUpdate(c.Message.FailoverId, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }));
    });

    [Fact]
    public async Task TwoInstancesConsumingConcurrently_EachCommandSentOnceAndEachFailoverCompletedOnce()
    {
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToList();
        // The lock winner's report comes from its own agent: the control plane drops one from anyone else.
        var publisher = _agents["node2"];
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Task.WhenAll(ids.Select(id => publisher.Publish(Lock(_config.ClusterId, id, "node2", Replicas))));

        var store = _controlPlanes[0].GetRequiredService<IDocumentStore>();
        await SagaHost.EventuallyAsync(() => ids.All(_completed.ContainsKey), "every failover completed", TimeSpan.FromSeconds(60));
        output.WriteLine($"{ids.Count} failovers of {Replicas.Length} replicas each completed in {clock.ElapsedMilliseconds} ms over two control planes");
        await using var session = store.QuerySession();
        foreach (var id in ids)
        {
            var saga = (await session.LoadAsync<FailoverState>(id)).ShouldNotBeNull();
            saga.CurrentState.ShouldBe("Completed");
            saga.Rebased.Order().ShouldBe(Replicas);
            _commands[$"promote/{id}/node2"].ShouldBe(1);
            foreach (var replica in Replicas)
            {
                _commands[$"rebase/{id}/{replica}"].ShouldBe(1, $"RebaseStandby to {replica} of failover {id}");
            }
            var events = await session.Events.FetchStreamAsync(FailoverStream.Key(_config.ClusterId, id));
            events.Select(e => e.Data).OfType<RebaseConfirmed>().Count().ShouldBe(Replicas.Length);
            events.Select(e => e.Data).OfType<FailoverSucceeded>().Count().ShouldBe(1);
        }
        // A late duplicate would show here: give the broker a moment to deliver anything still in flight.
        await Task.Delay(500);
        _completed.Values.ShouldAllBe(n => n == 1);
        _commands.Values.ShouldAllBe(n => n == 1);
    }
}
