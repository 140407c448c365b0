using System.Net;
using System.Net.Sockets;
using Conjur.EventSourced.Hosting.Processes;
using Npgsql;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// A throwaway PostgreSQL 15 in a temp folder, on a loopback port in 41000..41999, with the
/// control plane's database and user. Stand-in until the project's launcher can start the
/// control plane's Postgres for tests; stopped by its PID.
/// </summary>
public sealed class ScratchPostgres : IAsyncLifetime
{
    private const string BinDir = "/usr/lib/postgresql/15/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("conjur-scratch-pg-");
    private int? _pid;

    public int Port { get; private set; }
    public string Database { get; } = "controlplane";
    public string User { get; } = "conjur";

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = Database,
        Username = User,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        var data = Path.Combine(_dir.FullName, "data");
        await SystemUsers.ChownAsync(_dir.FullName, SystemUsers.Postgres);
        (await CommandRunner.RunAsync($"{BinDir}/initdb",
            ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
            TimeSpan.FromSeconds(60), runAs: SystemUsers.Postgres)).ThrowOnFailure();

        // Another run may take the port between the probe and the bind: try a few.
        for (var attempt = 0; attempt < 3 && _pid is null; attempt++)
        {
            Port = FreePort();
            var pid = await Daemon.StartAsync($"{BinDir}/postgres",
                ["-D", data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", _dir.FullName,
                 "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off"],
                Path.Combine(_dir.FullName, "postgres.log"), runAs: SystemUsers.Postgres);
            var up = await Wait.UntilAsync(async ct => !Daemon.IsRunning(pid) || await AcceptsAsync(ct), StartTimeout);
            if (up && Daemon.IsRunning(pid))
            {
                _pid = pid;
            }
            else
            {
                await Daemon.StopAsync(pid, TimeSpan.FromSeconds(5));
            }
        }
        if (_pid is null)
        {
            throw new InvalidOperationException($"scratch Postgres did not start; see {_dir.FullName}/postgres.log");
        }

        await using var admin = new NpgsqlConnection(Admin("postgres"));
        await admin.OpenAsync();
        foreach (var sql in new[] { $"create role {User} login superuser", $"create database {Database} owner {User}" })
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_pid is { } pid)
        {
            await Daemon.StopAsync(pid, TimeSpan.FromSeconds(10));
        }
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; a failed teardown should not fail the tests.
        }
    }

    private string Admin(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Database = database, Username = "postgres", Pooling = false }.ConnectionString;

    private async Task<bool> AcceptsAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(Admin("postgres"));
        await connection.OpenAsync(ct);
        return true;
    }

    private static int FreePort()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = Random.Shared.Next(41000, 42000);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException("no free port in 41000..41999");
    }
}
