using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Failover.Api;
using Conjur.EventSourced.Hosting.Topology;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>
/// The picture the dashboards watch, read once for all of them: while at least one browser listens,
/// every <see cref="Poll"/> it reads the cluster view, the failovers (with the newest one's steps), the
/// cluster's event stream and HAProxy's stats, through the same handlers as the JSON endpoints, and
/// pushes each section whose JSON changed. The cluster view carries heartbeat ages, so it changes (and
/// is pushed) about once a heartbeat interval; the others only when something happened. A poll costs
/// four small queries, whatever the number of browsers; with no browser it costs nothing.
/// </summary>
public sealed class DashboardFeed(
    ClusterConfig config,
    IDocumentStore store,
    TimeProvider clock,
    LoadBalancerStats loadBalancer,
    ILogger<DashboardFeed> log) : BackgroundService
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    public const int FailoversShown = 20;
    public const int EventsShown = 40;

    private readonly ConcurrentDictionary<Guid, Channel<DashboardSection>> _subscribers = new();
    private readonly ConcurrentDictionary<string, DashboardSection> _latest = new();
    private readonly SemaphoreSlim _wake = new(0);

    public int Subscribers => _subscribers.Count;

    /// <summary>A new listener: it gets the latest picture at once, then each change. Bounded: a browser too slow to read loses old sections, never the newest.</summary>
    public (Guid Id, ChannelReader<DashboardSection> Reader) Subscribe()
    {
        var channel = Channel.CreateBounded<DashboardSection>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        foreach (var section in _latest.Values)
        {
            channel.Writer.TryWrite(section);
        }
        var id = Guid.NewGuid();
        _subscribers[id] = channel;
        _wake.Release();
        return (id, channel.Reader);
    }

    public void Unsubscribe(Guid id)
    {
        if (_subscribers.TryRemove(id, out var channel))
        {
            channel.Writer.TryComplete();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (_subscribers.IsEmpty)
            {
                // Nobody watches: sleep until someone subscribes (bounded, so a lost wake-up costs a minute at most).
                _latest.Clear();
                await _wake.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken);
                continue;
            }
            try
            {
                foreach (var section in await ReadAsync(stoppingToken))
                {
                    if (_latest.TryGetValue(section.Name, out var previous) && previous.Json == section.Json)
                    {
                        continue;
                    }
                    _latest[section.Name] = section;
                    foreach (var channel in _subscribers.Values)
                    {
                        channel.Writer.TryWrite(section);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The store may be briefly away: say so on the page and try again next poll.
                log.LogWarning("dashboard poll failed: {Error}", e.Message);
                var error = new DashboardSection("problem", JsonSerializer.Serialize(new { error = e.Message, at = clock.GetUtcNow() }, JsonSerializerOptions.Web));
                foreach (var channel in _subscribers.Values)
                {
                    channel.Writer.TryWrite(error);
                }
            }
            await Task.Delay(Poll, clock, stoppingToken);
        }
    }

    /// <summary>Each section's current JSON, built by the handlers behind the JSON endpoints (so the shapes are theirs).</summary>
    public async Task<IReadOnlyList<DashboardSection>> ReadAsync(CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var now = clock.GetUtcNow();
        var cluster = await GetCluster.HandleAsync(config, session, clock, ct);
        var failovers = (await ListFailovers.HandleAsync(config, session, ct)).Take(FailoversShown).ToList();
        FailoverDetails? latest = null;
        if (failovers.Count > 0 && await GetFailover.HandleAsync(failovers[0].Id, config, session, ct) is IValueHttpResult { Value: FailoverDetails d })
        {
            latest = d;
        }
        var events = await GetClusterEvents.HandleAsync(EventsShown, config, session, ct) is IValueHttpResult { Value: { } e } ? e : null;
        var lb = await loadBalancer.ReadAsync(now, ct);
        return
        [
            Section("cluster", cluster),
            Section("loadbalancer", new { routedTo = lb.RoutedTo, error = lb.Error, servers = lb.Servers }),
            Section("failovers", new { failovers, latest }),
            Section("events", events),
        ];
    }

    private static DashboardSection Section(string name, object? value) => new(name, JsonSerializer.Serialize(value, JsonSerializerOptions.Web));
}
