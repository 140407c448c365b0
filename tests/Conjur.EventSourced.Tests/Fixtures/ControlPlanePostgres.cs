using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// The control plane's own Postgres alone, started by the same launcher as <c>cluster up</c>
/// (base port 41000, temporary state folder), for tests of the event store without a whole cluster.
/// </summary>
public sealed class ControlPlanePostgres : IAsyncLifetime
{
    public ClusterConfig Config { get; } = DefaultTopology.Create(
        Path.Combine(Path.GetTempPath(), "conjur-cp-pg-" + Guid.NewGuid().ToString("N")[..8]), basePort: 41000);

    private ControlPlaneDatabase Database => new(Config);

    public string ConnectionString => ControlPlaneStore.ConnectionString(Config);

    public Task InitializeAsync() => Database.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Database.StopAsync(CancellationToken.None);
        Database.Pid().ShouldBeNull();
        Directory.Delete(Config.StateDir, recursive: true);
    }
}
