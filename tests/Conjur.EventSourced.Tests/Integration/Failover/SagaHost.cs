using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Messaging;
using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Topology;
using JasperFx.Events;
using Marten;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Failover;

/// <summary>
/// One control plane's saga half: the real state machine, definition and Marten repository on
/// MassTransit's in-memory test harness, against a real Postgres. Step timeouts of 5 s unless a test
/// asks for shorter ones (timeout scenarios), so a loaded machine does not time out the happy paths.
/// </summary>
public sealed class SagaHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private SagaHost(ServiceProvider provider, ClusterConfig config)
    {
        _provider = provider;
        Config = config;
    }

    public ClusterConfig Config { get; }
    public ITestHarness Harness => _provider.GetRequiredService<ITestHarness>();
    public IDocumentStore Store => _provider.GetRequiredService<IDocumentStore>();
    public IServiceProvider Services => _provider;

    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan ShortStepTimeout = TimeSpan.FromMilliseconds(700);

    public static async Task<SagaHost> StartAsync(string connectionString, string clusterId, IClusterMembersReader members, TimeSpan? stepTimeout = null)
    {
        var config = DefaultTopology.Create("/tmp/conjur-saga-tests", clusterId: clusterId);
        var timeout = stepTimeout ?? StepTimeout;
        var services = new ServiceCollection();
        // MassTransit keeps the first bus's logger factory in a static log context; a factory that is
        // never disposed lets a later host in the same test process start after an earlier one stopped.
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddLogging();
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddMarten(o =>
        {
            o.Connection(connectionString);
            ControlPlaneStore.Configure(o);
        });
        services.AddClusterHistory();
        services.AddFailover();
        services.Configure<FailoverOptions>(o =>
        {
            o.SteppingDown = o.AwaitingLock = o.Promoting = o.Rebasing = o.Reenrolling = timeout;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        });
        services.AddSingleton(members);
        services.AddMassTransitTestHarness(bus => bus.AddControlPlaneConsumers(config));
        var provider = services.BuildServiceProvider(true);
        var host = new SagaHost(provider, config);
        await host.Harness.Start();
        return host;
    }

    public Task PublishAsync<T>(T message)
        where T : class =>
        Harness.Bus.Publish(message);

    public async Task<FailoverState?> LoadAsync(Guid id)
    {
        await using var session = Store.QuerySession();
        return await session.LoadAsync<FailoverState>(id);
    }

    /// <summary>Bounded poll of the stored saga until it matches.</summary>
    public async Task<FailoverState> WaitForAsync(Guid id, Func<FailoverState, bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        FailoverState? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await LoadAsync(id);
            if (last is not null && condition(last))
            {
                return last;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"saga {id} never reached: {what} (last state {last?.CurrentState ?? "none"}, pending [{string.Join(", ", last?.Pending ?? [])}])");
    }

    public Task<FailoverState> WaitForStateAsync(Guid id, string state, TimeSpan? within = null) =>
        WaitForAsync(id, s => s.CurrentState == state, $"state {state}", within);

    /// <summary>Commands of one type the saga has sent, in order (read from the harness: sent means after commit).</summary>
    public IReadOnlyList<T> Sent<T>()
        where T : class =>
        [.. Harness.Sent.Select<T>().Select(m => m.Context.Message)];

    /// <summary>The queue names commands of one type went to (the harness resolves <c>queue:</c> addresses to full URIs).</summary>
    public IReadOnlyList<string?> SentTo<T>()
        where T : class =>
        [.. Harness.Sent.Select<T>().Select(m => m.Context.DestinationAddress?.AbsolutePath.Split('/').Last())];

    public IReadOnlyList<T> Published<T>()
        where T : class =>
        [.. Harness.Published.Select<T>().Select(m => m.Context.Message)];

    public async Task<IReadOnlyList<IEvent>> StreamAsync(Guid id)
    {
        await using var session = Store.QuerySession();
        return await session.Events.FetchStreamAsync(FailoverStream.Key(Config.ClusterId, id));
    }

    public async Task<IReadOnlyList<IEvent>> ClusterStreamAsync()
    {
        await using var session = Store.QuerySession();
        return await session.Events.FetchStreamAsync(ClusterStream.Key(Config.ClusterId));
    }

    /// <summary>Bounded wait for a harness condition (sent or published messages).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"never happened: {what}");
            }
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
    }
}
