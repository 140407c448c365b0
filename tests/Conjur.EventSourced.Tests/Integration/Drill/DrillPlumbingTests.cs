using System.Diagnostics;
using Conjur.EventSourced.Cli.Drill;
using Conjur.EventSourced.Hosting.Security;
using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Integration.Drill;

/// <summary>
/// The drill's measuring parts against a real cluster: the writer through the load balancer, the etcd
/// timeline, and a whole run with a fault the current agents already handle (the master's Postgres killed).
/// The assertions hold whoever ends up master, so they stay true once the failover saga lands.
/// </summary>
[Collection("clusters")]
public sealed class DrillPlumbingTests(ClusterForDrills cluster, ITestOutputHelper output) : IClassFixture<ClusterForDrills>
{
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(90);

    private async Task<string> MasterAsync()
    {
        await ClusterReadiness.WaitHealthyAsync(cluster.Config, Healthy, output.WriteLine, CancellationToken.None);
        using var etcd = EtcdSession.For(cluster.Config, cluster.Config.Operator(), cluster.Config.EtcdOperatorCredentials());
        return (await etcd.GetStringAsync(new ClusterKeys(cluster.Config).Leader)).ShouldNotBeNull();
    }

    private async Task RestoreAsync(string oldMaster)
    {
        using var controlPlane = new Conjur.EventSourced.Cli.ControlPlaneApi.ControlPlaneClient(cluster.Config);
        await ClusterReadiness.RestoreAsync(cluster.Launcher, oldMaster, controlPlane, Healthy, output.WriteLine, CancellationToken.None);
    }

    /// <summary>Runs the assertions, then restores the old master as a standby whatever they found; a failed assertion stays the reported failure.</summary>
    private async Task RestoringAsync(string oldMaster, Action assertions)
    {
        try
        {
            assertions();
        }
        catch
        {
            try
            {
                await RestoreAsync(oldMaster);
            }
            catch (Exception e)
            {
                output.WriteLine($"could not restore {oldMaster} after the failure: {e.Message}");
            }
            throw;
        }
        await RestoreAsync(oldMaster);
    }

    [Fact]
    public async Task Writer_AcknowledgesWritesThroughTheLoadBalancer_EachOneOnTheMaster()
    {
        var master = await MasterAsync();
        var clock = Stopwatch.StartNew();
        var run = "plumbing-" + Guid.NewGuid().ToString("N")[..8];
        var writer = new DrillWriter(DrillRun.WriterConnectionString(cluster.Config, TimeSpan.FromSeconds(5)), run, clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));

        await writer.RunAsync(stop.Token);

        var acks = writer.Acks;
        output.WriteLine($"{acks.Count} acks in 1.5 s, {writer.Errors.Count} errors");
        writer.Errors.ShouldBeEmpty();
        // Each commit waits for the synchronous standby: about 10 ms here, far more on a loaded machine.
        acks.Count.ShouldBeGreaterThan(10);
        acks.Select(a => a.Id).ShouldBeUnique();
        acks.ShouldAllBe(a => a.ServerPort == cluster.Node(master).PostgresPort);
        acks.Select(a => a.At).ShouldBeInOrder();
        var stored = (long)(await cluster.ScalarAsync(cluster.NodeConnectionString(master), $"SELECT count(*) FROM drill_writes WHERE run = '{run}'"))!;
        // One insert may have been cut by the stop after it committed: stored can exceed acks by that one, never fall short.
        stored.ShouldBeInRange(acks.Count, acks.Count + 1);
    }

    [Fact]
    public async Task LeaderLeaseRevoked_TimelineTimestampsTheDeletionTightly_AndTheNextLeader()
    {
        var master = await MasterAsync();
        var keys = new ClusterKeys(cluster.Config);
        // Revoking the master's lease is the fault, made as etcd's root: the operator's own etcd user only reads.
        using var etcd = EtcdSession.For(cluster.Config, cluster.Config.Operator(), cluster.Config.EtcdRootCredentials());
        var clock = Stopwatch.StartNew();
        var timeline = new EtcdTimeline(etcd, keys, clock);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var watching = timeline.RunAsync(stop.Token);
        await timeline.Started;
        var leader = (await etcd.GetKeyAsync(keys.Leader)).ShouldNotBeNull();

        var before = clock.Elapsed;
        await etcd.RevokeLeaseAsync(leader.Lease);
        var after = clock.Elapsed;

        var deleted = await timeline.WaitForAsync(e => e.Change == EtcdChange.LeaderDeleted, before, TimeSpan.FromSeconds(2), CancellationToken.None);
        var created = await timeline.WaitForAsync(e => e.Change == EtcdChange.LeaderCreated, before, TimeSpan.FromSeconds(20), CancellationToken.None);
        await stop.CancelAsync();
        await watching;

        // Revoking a live master's lease is a failover: it fences itself, so bring it back as a standby, also
        // when an assertion fails (the next test needs a healthy cluster).
        await RestoringAsync(master, () =>
        {
            deleted.ShouldNotBeNull("the timeline never saw the leader key go");
            output.WriteLine($"revoked in [{before.TotalMilliseconds:0.0}, {after.TotalMilliseconds:0.0}] ms; timeline says {deleted.At.TotalMilliseconds:0.0} ± {deleted.Uncertainty.TotalMilliseconds:0.0} ms");
            deleted.Node.ShouldBe(master);
            deleted.Term.ShouldBe(leader.CreateRevision);
            // The deletion's window must overlap the revoke call: the timeline puts the change between the right reads.
            deleted.NotBefore.ShouldBeLessThanOrEqualTo(after);
            deleted.SeenAt.ShouldBeGreaterThanOrEqualTo(before);
            // ±25 ms on a quiet machine (20 ms polls, ~2 ms reads). On a loaded one every etcd call slows down alike
            // (a CI run saw a 130 ms revoke and ±150 ms), so the bound is generous: the larger of 100 ms and three
            // times what the revoke call itself took. A broken cadence (a poll per second) still exceeds it.
            var bound = TimeSpan.FromMilliseconds(Math.Max(100, 3 * (after - before).TotalMilliseconds));
            deleted.Uncertainty.ShouldBeLessThanOrEqualTo(bound);
            deleted.At.ShouldBeInRange(before - bound, after + bound);
            created.ShouldNotBeNull("no node took the leader key again within 20 s");
            created.Term.ShouldBeGreaterThan(leader.CreateRevision);
            created.SeenAt.ShouldBeGreaterThan(deleted.SeenAt);
            output.WriteLine($"{created.Node} took the leader key at {created.At.TotalMilliseconds:0} ms (term {created.Term})");
        });
    }

    [Fact]
    public async Task MasterPostgresKilled_DrillTimesEveryStage_AndNoAcknowledgedWriteIsMissing()
    {
        var master = await MasterAsync();
        var options = new DrillOptions { Fault = FaultKind.Postgres, StageTimeout = TimeSpan.FromSeconds(45), Warmup = TimeSpan.FromSeconds(1) };

        var result = await new DrillRun(cluster.Launcher, options, output.WriteLine).ExecuteAsync(1, CancellationToken.None);

        output.WriteLine(DrillReport.RunLine(result));
        result.Timeline.ToList().ForEach(output.WriteLine);
        result.Problems.ToList().ForEach(p => output.WriteLine("problem: " + p));
        await RestoringAsync(master, () =>
        {
            result.OldMaster.ShouldBe(master);
            result.Acknowledged.ShouldBeGreaterThan(10);
            result.AcknowledgedAfterFault.ShouldBeGreaterThan(0);
            // The agent gives up the lease as soon as its probe finds Postgres gone: within a cycle or two, not a TTL.
            result.LeaderDeletedMs.ShouldNotBeNull().ShouldBeLessThan(2 * cluster.Config.Failover.HeartbeatIntervalMs + 500);
            result.LeaderCreatedMs.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(result.LeaderDeletedMs.Value);
            result.PromotedMs.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(result.LeaderCreatedMs.Value - result.EtcdUncertaintyMs);
            result.WritesResumedMs.ShouldNotBeNull().ShouldBeGreaterThan(0);
            result.WriteOutageMs.ShouldNotBeNull().ShouldBeGreaterThan(0);
            result.RebasedMs.ShouldNotBeNull();
            // Killing the postmaster cuts the writer's connection: the outage shows as failed writes.
            result.ErrorsByClass.Values.Sum().ShouldBeGreaterThan(0);
            result.MissingOnNewMaster.ShouldBe(0);
            result.AcksFromOldMasterAfterPromotion.ShouldBe(0);
            result.OldMasterWrite.ShouldNotStartWith("accepted");
        });
    }
}
