using Conjur.EventSourced.ControlPlane.Storage;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using Npgsql;

namespace Conjur.EventSourced.Bench;

/// <summary>
/// A throwaway control-plane Postgres (and RabbitMQ when asked) started by the project's own launchers
/// in a temporary state folder on the given base port, stopped by PID and deleted afterwards.
/// </summary>
public sealed class BenchServices : IAsyncDisposable
{
    private readonly bool _rabbit;

    private BenchServices(ClusterConfig config, bool rabbit)
    {
        Config = config;
        _rabbit = rabbit;
    }

    public ClusterConfig Config { get; }
    /// <summary>Long command timeout: counting and rebuilding a million events on a busy 2-core machine takes more than Npgsql's 30 s default.</summary>
    public string ConnectionString => ControlPlaneStore.ConnectionString(Config) + ";Command Timeout=900";

    public static async Task<BenchServices> StartAsync(int basePort, bool rabbit, CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"conjur-bench-{basePort}-{Guid.NewGuid():N}"[..36]);
        // The event store and its consumers are what these benches measure: their throwaway Postgres and broker run
        // in plain text, as the simulated agents log in with a password of their own (the cluster's parts use TLS).
        var services = new BenchServices(DefaultTopology.Create(dir, basePort, clusterId: "bench") with { Tls = new TlsConfig { Enabled = false } }, rabbit);
        Console.WriteLine($"starting the control plane's Postgres{(rabbit ? " and RabbitMQ" : "")} on base port {basePort} ({dir})");
        try
        {
            await new ControlPlaneDatabase(services.Config).StartAsync(ct);
            if (rabbit)
            {
                await new RabbitMqLauncher(services.Config).StartAsync(ct);
            }
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
        return services;
    }

    public DocumentStore Store() => DocumentStore.For(o =>
    {
        o.Connection(ConnectionString);
        ControlPlaneStore.Configure(o);
    });

    /// <summary>A plain event store: the same stream identity, append mode and event types, nothing projected on append.</summary>
    public DocumentStore PlainStore() => DocumentStore.For(o =>
    {
        o.Connection(ConnectionString);
        o.AutoCreateSchemaObjects = JasperFx.AutoCreate.CreateOrUpdate;
        o.Events.StreamIdentity = JasperFx.Events.StreamIdentity.AsString;
        o.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
        o.Events.AddEventTypes([typeof(ControlPlane.Heartbeats.HeartbeatSampled)]);
    });

    /// <summary>pg_total_relation_size of the event and document tables, largest first.</summary>
    public async Task<IReadOnlyList<(string Table, long Bytes, long Rows)>> TableSizesAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            """
            select c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r' and (c.relname like 'mt_events' or c.relname like 'mt_streams' or c.relname like 'mt_doc_%')
            order by 2 desc
            """, conn);
        var rows = new List<(string, long, long)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return rows;
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_rabbit)
        {
            await new RabbitMqLauncher(Config).StopAsync(CancellationToken.None);
        }
        await new ControlPlaneDatabase(Config).StopAsync(CancellationToken.None);
        try
        {
            Directory.Delete(Config.StateDir, recursive: true);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"could not delete {Config.StateDir}: {e.Message}");
        }
        Console.WriteLine("stopped the benchmark's services");
    }
}
