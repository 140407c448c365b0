using System.Diagnostics;
using System.Globalization;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Postgres;
using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.Hosting.Tls;
using Npgsql;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>
/// One failover drill against a running cluster: write through the load balancer, watch etcd, fault the
/// master, and time each stage of the recovery on one clock; then check that no acknowledged write is
/// missing and that the old master no longer accepts writes.
/// </summary>
public sealed class DrillRun(ClusterLauncher launcher, DrillOptions options, Action<string> progress)
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);
    private ClusterConfig Config => launcher.Config;

    public static string WriterConnectionString(ClusterConfig config, TimeSpan writeTimeout) =>
        new NpgsqlConnectionStringBuilder(PostgresTools.ConnectionString(config, config.LoadBalancer.Host, config.LoadBalancer.PostgresPort, "policy", timeoutSeconds: 2))
        {
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(writeTimeout.TotalSeconds)),
            ApplicationName = "conjur-drill",
        }.ConnectionString;

    public async Task<DrillRunResult> ExecuteAsync(int run, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var keys = new ClusterKeys(Config);
        using var etcd = EtcdSession.For(Config, Config.Operator(), Config.EtcdOperatorCredentials(), TimeSpan.FromSeconds(1));
        using var controlPlane = new ControlPlaneClient(Config);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timeline = new EtcdTimeline(etcd, keys, clock);
        var timelineTask = timeline.RunAsync(stop.Token);
        var runId = $"drill-{DateTimeOffset.UtcNow:yyyyMMddTHHmmss}-{run}";
        var writer = new DrillWriter(WriterConnectionString(Config, options.WriteTimeout), runId, clock);
        Task? writerTask = null;
        FaultTarget? target = null;
        try
        {
            if (await Task.WhenAny(timeline.Started, Task.Delay(TimeSpan.FromSeconds(5), ct)) != timeline.Started || !timeline.Started.IsCompletedSuccessfully)
            {
                throw new DrillException($"etcd did not answer within 5 s ({string.Join(", ", Config.EtcdEndpoints)})");
            }
            var oldMaster = timeline.Events.FirstOrDefault(e => e.Change == EtcdChange.LeaderInitial)?.Node
                ?? throw new DrillException("no node holds the leader key in etcd: there is no master to fault");
            if (options.Victim is { } victim && victim != oldMaster)
            {
                throw new DrillException($"--victim {victim} is not the master ({oldMaster} is): refusing to fault the wrong node");
            }
            if (options.Fault == FaultKind.Switchover && options.To == oldMaster)
            {
                throw new DrillException($"--to {options.To} is already the master");
            }
            var oldNode = Config.Node(oldMaster);
            target = await FaultInjector.LocateAsync(launcher, oldNode, ct);
            FaultInjector.Check(options.Fault, target);

            writerTask = writer.RunAsync(stop.Token);
            await WarmUpAsync(writer, clock, ct);

            progress($"run {run}: {Describe(options.Fault)} on {oldMaster}");
            var fault = clock.Elapsed;
            var failoverId = await FaultInjector.InjectAsync(options.Fault, target, options.To, controlPlane, ct);
            var problems = new List<string>();

            var deleted = await timeline.WaitForAsync(e => e.Change == EtcdChange.LeaderDeleted && e.Node == oldMaster, fault, options.StageTimeout, ct);
            if (deleted is null)
            {
                problems.Add($"leader key of {oldMaster} not deleted within {Secs(options.StageTimeout)}");
            }
            var created = deleted is null ? null
                : await timeline.WaitForAsync(e => e.Change == EtcdChange.LeaderCreated && e.SeenAt >= deleted.SeenAt, fault, options.StageTimeout, ct);
            if (deleted is not null && created is null)
            {
                problems.Add($"no new leader within {Secs(options.StageTimeout)} of the leader key's deletion");
            }
            var newMaster = created?.Node;
            if (newMaster is not null && Config.Nodes.All(n => n.Id != newMaster))
            {
                problems.Add($"the leader key names '{newMaster}', which is not in cluster.json");
                newMaster = null;
            }
            if (newMaster == oldMaster)
            {
                problems.Add($"{oldMaster} took the leader key back: no failover happened");
            }
            if (options.Expect is { } expect && newMaster is not null && newMaster != expect)
            {
                problems.Add($"{newMaster} became master, not {expect} as expected");
            }
            if (options.Fault == FaultKind.Switchover && newMaster is not null && newMaster != options.To)
            {
                problems.Add($"switchover to {options.To} made {newMaster} master");
            }
            failoverId ??= deleted is not null ? FailoverIds.ForTerm(Config.ClusterId, deleted.Term) : null;

            TimeSpan? promoted = null;
            Task<(TimeSpan? At, string? By, string? State)>? rebase = null;
            if (newMaster is not null)
            {
                rebase = WatchRebaseAsync(controlPlane, failoverId, oldMaster, newMaster, clock, ct);
                promoted = await WaitMasterHealthyAsync(Config.Node(newMaster), clock, ct);
                if (promoted is null)
                {
                    problems.Add($"{newMaster}'s /health did not answer 200 as master within {Secs(options.StageTimeout)}");
                }
            }

            // Writes resumed: an ack after the new master is up (or, without one, any ack after the fault).
            var resumeMark = promoted ?? created?.SeenAt ?? fault;
            if (!await Hosting.Processes.Wait.UntilAsync(() => writer.LastAckAt > resumeMark, options.StageTimeout, ProbeInterval, ct))
            {
                problems.Add($"no write acknowledged through the load balancer within {Secs(options.StageTimeout)} of {(promoted is null ? "the fault" : "the promotion")}");
            }
            var (rebasedAt, rebasedBy, sagaState) = rebase is null ? (null, null, null) : await rebase;
            if (rebase is not null && rebasedAt is null)
            {
                problems.Add(FailoverDocument.IsFailed(sagaState)
                    ? $"the failover saga {failoverId} failed"
                    : $"not every replica follows {newMaster} within {Secs(options.StageTimeout)} (saga state: {sagaState ?? "not seen"})");
            }

            // A short tail of writes after the outage, then stop writing.
            var ackedSoFar = writer.LastAckAt ?? TimeSpan.Zero;
            await Hosting.Processes.Wait.UntilAsync(() => writer.LastAckAt >= ackedSoFar + options.Tail, options.Tail + TimeSpan.FromSeconds(5), ProbeInterval, ct);
            var writerStopped = clock.Elapsed;
            await stop.CancelAsync();
            await writerTask;
            writerTask = null;

            if (FaultInjector.Release(options.Fault, target))
            {
                progress($"resumed {oldMaster}'s agent (SIGCONT)");
                await Hosting.Processes.Wait.UntilAsync(async c => (await ClusterLauncher.HealthAsync(Config, oldNode, c)).StatusCode != 0,
                    TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), ct);
                // Let it run a cycle or two, so the check below sees what it does once it knows it lost the lease.
                await Task.Delay(TimeSpan.FromMilliseconds(2 * Config.Failover.HeartbeatIntervalMs), ct);
            }

            var acks = writer.Acks;
            var errors = writer.Errors;
            var finalMaster = await etcd.GetStringAsync(keys.Leader, ct);
            long? missing = null;
            if (finalMaster is not null && Config.Nodes.Any(n => n.Id == finalMaster))
            {
                missing = await MissingAsync(Config.Node(finalMaster), runId, acks, ct);
                if (missing > 0)
                {
                    problems.Add($"{missing} acknowledged writes are missing on {finalMaster} (S2)");
                }
            }
            else
            {
                problems.Add("no master at the end of the run: acknowledged writes not checked");
            }
            var oldWrite = finalMaster is not null && finalMaster != oldMaster ? await OldMasterWriteAsync(oldNode, ct) : "not-checked";
            if (oldWrite.StartsWith("accepted", StringComparison.Ordinal))
            {
                problems.Add($"the old master {oldMaster} still accepts writes ({oldWrite})");
            }

            var portToNode = Config.Nodes.ToDictionary(n => n.PostgresPort, n => n.Id);
            string NodeOf(int port) => portToNode.GetValueOrDefault(port, port.ToString(CultureInfo.InvariantCulture));
            var splitBrain = promoted is { } p && newMaster != oldMaster ? acks.LongCount(a => a.At > p && NodeOf(a.ServerPort) == oldMaster) : 0;
            if (splitBrain > 0)
            {
                problems.Add($"{splitBrain} writes were acknowledged by {oldMaster} after {newMaster} was promoted (S1)");
            }
            var outage = WriteOutage.Compute(acks.Select(a => a.At).ToList(), fault, writerStopped);
            var events = timeline.Events;
            var lockEvent = events.FirstOrDefault(e => e.Change == EtcdChange.LockAcquired && e.SeenAt > fault);
            double? Ms(TimeSpan? at) => at is { } t ? Math.Round(Math.Max(0, (t - fault).TotalMilliseconds), 1) : null;

            return new DrillRunResult
            {
                Run = run,
                RunId = runId,
                Fault = options.Fault.ToString().ToLowerInvariant(),
                OldMaster = oldMaster,
                NewMaster = newMaster,
                LockHolder = lockEvent?.Node,
                FailoverId = failoverId,
                LeaderDeletedMs = Ms(deleted?.At),
                LockAcquiredMs = Ms(lockEvent?.At),
                LeaderCreatedMs = Ms(created?.At),
                PromotedMs = Ms(promoted),
                WritesResumedMs = Ms(outage.ResumedAt),
                WriteOutageMs = outage.Length is { } l ? Math.Round(l.TotalMilliseconds, 1) : null,
                RebasedMs = Ms(rebasedAt),
                RebasedBy = rebasedBy,
                SagaState = sagaState,
                EtcdUncertaintyMs = Math.Round(events.Where(e => e.Change != EtcdChange.LeaderInitial && e.SeenAt > fault)
                    .Select(e => e.Uncertainty.TotalMilliseconds).DefaultIfEmpty(0).Max(), 1),
                Attempted = writer.Attempts,
                Acknowledged = acks.Count,
                AcknowledgedAfterFault = acks.LongCount(a => a.At > fault),
                MissingOnNewMaster = missing,
                CheckedOn = finalMaster,
                AcksByNode = acks.GroupBy(a => NodeOf(a.ServerPort)).ToDictionary(g => g.Key, g => g.LongCount()),
                AcksFromOldMasterAfterPromotion = splitBrain,
                UnreplicatedAcks = acks.LongCount(a => a.Unreplicated),
                ErrorsByClass = Enum.GetValues<WriteErrorClass>().ToDictionary(WriteErrors.Name, c => errors.Count(e => e.Class == c)),
                ErrorSamples = errors.GroupBy(e => e.Class).Select(g => $"{WriteErrors.Name(g.Key)}: {g.First().Message}").ToList(),
                OldMasterWrite = oldWrite,
                Timeline = events.Select(e => $"{(e.At - fault).TotalMilliseconds,8:0} ms ±{e.Uncertainty.TotalMilliseconds:0}  {e.Change} {e.Node} (term {e.Term})").ToList(),
                Problems = problems,
            };
        }
        finally
        {
            await stop.CancelAsync();
            if (writerTask is not null)
            {
                await writerTask;
            }
            await timelineTask;
            if (target is not null && options.Fault == FaultKind.Freeze)
            {
                FaultInjector.Release(options.Fault, target); // SIGCONT is harmless when already resumed
            }
        }
    }

    private async Task WarmUpAsync(DrillWriter writer, Stopwatch clock, CancellationToken ct)
    {
        var start = clock.Elapsed;
        var bound = options.Warmup + TimeSpan.FromSeconds(10);
        var ready = await Hosting.Processes.Wait.UntilAsync(() => writer.AckCount > 0 && clock.Elapsed - start >= options.Warmup, bound, ProbeInterval, ct);
        if (!ready)
        {
            var errors = writer.Errors;
            var last = errors.Count > 0 ? errors[^1] : null;
            throw new DrillException($"no write was acknowledged through the load balancer ({Config.LoadBalancer.Host}:{Config.LoadBalancer.PostgresPort}) within {Secs(bound)}"
                + (last is null ? "" : $": {WriteErrors.Name(last.Class)}: {last.Message}"));
        }
    }

    /// <summary>Polls the new master's /health every 20 ms; the time is when the first 200-as-master request was sent.</summary>
    private async Task<TimeSpan?> WaitMasterHealthyAsync(NodeConfig node, Stopwatch clock, CancellationToken ct)
    {
        var deadline = clock.Elapsed + options.StageTimeout;
        while (clock.Elapsed < deadline)
        {
            var sent = clock.Elapsed;
            var h = await ClusterLauncher.HealthAsync(Config, node, ct);
            if (h.StatusCode == 200 && h.Role == "master")
            {
                return sent;
            }
            var wait = ProbeInterval - (clock.Elapsed - sent);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }
        }
        return null;
    }

    /// <summary>
    /// Rebased: the failover saga says Completed; when the control plane does not know the failover, every
    /// remaining replica shows as streaming in the new master's <c>pg_stat_replication</c>.
    /// </summary>
    private async Task<(TimeSpan? At, string? By, string? State)> WatchRebaseAsync(ControlPlaneClient controlPlane, Guid? failoverId,
        string oldMaster, string newMaster, Stopwatch clock, CancellationToken ct)
    {
        var replicas = Config.Nodes.Where(n => n.Id != oldMaster && n.Id != newMaster).Select(n => n.Id).ToList();
        var deadline = clock.Elapsed + options.StageTimeout + options.StageTimeout;
        string? state = null;
        var sagaSeen = false;
        while (clock.Elapsed < deadline)
        {
            var sent = clock.Elapsed;
            if (failoverId is { } id)
            {
                try
                {
                    if (await controlPlane.GetFailoverAsync(id, ct) is { } doc)
                    {
                        sagaSeen = true;
                        state = FailoverDocument.State(doc);
                        if (FailoverDocument.IsCompleted(state))
                        {
                            return (sent, "saga", state);
                        }
                        if (FailoverDocument.IsFailed(state))
                        {
                            return (null, "saga", state);
                        }
                    }
                }
                catch (ControlPlaneException)
                {
                    // The control plane is down or has no such API: fall back on the replicas themselves.
                }
            }
            if (!sagaSeen && await AllStreamFromAsync(Config.Node(newMaster), replicas, ct))
            {
                return (sent, "replicas", state);
            }
            await Task.Delay(100, ct);
        }
        return (null, null, state);
    }

    private async Task<bool> AllStreamFromAsync(NodeConfig master, IReadOnlyList<string> replicas, CancellationToken ct)
    {
        var h = await ClusterLauncher.HealthAsync(Config, master, ct);
        if (h.StatusCode != 200 || h.Body is not { } body
            || !body.TryGetProperty("database", out var db) || !db.TryGetProperty("replication_status", out var rs)
            || !rs.TryGetProperty("pg_stat_replication", out var rows) || rows.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            return false;
        }
        var streaming = rows.EnumerateArray()
            .Where(r => r.TryGetProperty("state", out var s) && s.GetString() == "streaming")
            .Select(r => r.GetProperty("application_name").GetString())
            .ToHashSet();
        return replicas.All(streaming.Contains);
    }

    private async Task<long> MissingAsync(NodeConfig master, string runId, IReadOnlyList<Ack> acks, CancellationToken ct)
    {
        var present = new HashSet<long>();
        await using var conn = new NpgsqlConnection(PostgresTools.ConnectionString(Config, master.Host, master.PostgresPort, "policy", timeoutSeconds: 5));
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT id FROM drill_writes WHERE run = $1", conn) { Parameters = { new() { Value = runId } }, CommandTimeout = 30 };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            present.Add(reader.GetInt64(0));
        }
        return acks.LongCount(a => !present.Contains(a.Id));
    }

    /// <summary>A direct insert on the old master's own Postgres port: it must not be acknowledged.</summary>
    private async Task<string> OldMasterWriteAsync(NodeConfig old, CancellationToken ct)
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresTools.ConnectionString(Config, old.Host, old.PostgresPort, "policy", timeoutSeconds: 2))
        {
            CommandTimeout = 3,
            ApplicationName = "conjur-drill-fence-check",
        }.ConnectionString;
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            var unreplicated = false;
            conn.Notice += (_, e) => unreplicated |= e.Notice.MessageText.Contains("synchronous replication", StringComparison.OrdinalIgnoreCase);
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("INSERT INTO drill_writes (id, run, at) VALUES ($1, 'fence-check', now())", conn)
            {
                Parameters = { new() { Value = -Random.Shared.NextInt64(1, long.MaxValue) } },
            };
            await cmd.ExecuteNonQueryAsync(ct);
            return unreplicated ? "accepted (committed locally, not replicated)" : "accepted";
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            var c = WriteErrors.Classify(e);
            return c == WriteErrorClass.Refused ? "down" : $"refused:{WriteErrors.Name(c)}";
        }
    }

    private static string Describe(FaultKind fault) => fault switch
    {
        FaultKind.Node => "kill -9 agent and postmaster",
        FaultKind.Postgres => "kill -9 postmaster",
        FaultKind.Freeze => "SIGSTOP agent",
        _ => "switchover",
    };

    private static string Secs(TimeSpan t) => $"{t.TotalSeconds:0.#} s";
}
