using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Npgsql;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// The control plane's own Postgres alone, started by the same launcher as <c>cluster up</c>
/// (base port 26000, temporary state folder), for tests of the event store without a whole cluster.
/// A subclass takes another base port so its tests can run beside these.
/// </summary>
public class ControlPlanePostgres : IAsyncLifetime
{
    public ControlPlanePostgres()
        : this(26000)
    {
    }

    protected ControlPlanePostgres(int basePort) => Config = DefaultTopology.Create(
        Path.Combine(Path.GetTempPath(), "conjur-cp-pg-" + Guid.NewGuid().ToString("N")[..8]), basePort);

    public ClusterConfig Config { get; }

    private ControlPlaneDatabase Database => new(Config);

    public string ConnectionString => ControlPlaneStore.ConnectionString(Config);

    /// <summary>As <c>cluster up</c>: the cluster's certificates first (the event store takes only TLS), then the server.</summary>
    public async Task InitializeAsync()
    {
        await new CertificateIssuer(Config).EnsureAsync(CancellationToken.None);
        await Database.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Database.StopAsync(CancellationToken.None);
        Database.Pid().ShouldBeNull();
        Directory.Delete(Config.StateDir, recursive: true);
    }
}
