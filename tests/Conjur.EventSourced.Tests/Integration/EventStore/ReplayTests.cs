using System.Globalization;
using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Tests.Fixtures;

namespace Conjur.EventSourced.Tests.Integration.EventStore;

/// <summary>
/// Replay for audit on a real cluster: the cluster rebuilt from the events for a time before a planned
/// switchover shows the old master, for a time after it the new one, each as <c>status --json</c> showed
/// it then; the event log, the failover timeline projection and a rebuild on the live control plane agree.
/// </summary>
[Collection("clusters-b")]
public sealed class ReplayTests(ClusterForReplay cluster) : IClassFixture<ClusterForReplay>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ClusterAtBeforeAndAfterSwitchover_ShowsTheMasterStatusShowedThen()
    {
        var before = await StableMasterAsync("node1");
        var t1 = DateTimeOffset.UtcNow;
        await Task.Delay(1500); // the heartbeats that were the truth at t1 are stored

        using var client = new ControlPlaneClient(cluster.Config, TimeSpan.FromSeconds(30));
        var id = await client.SwitchoverAsync("node2", default);
        var state = await FailoverFollower.FollowAsync(client, id, _ => { }, Bound, default);
        if (state != "Completed")
        {
            using var failover = await cluster.ControlPlaneAsync($"/api/failovers/{id}");
            state.ShouldBe("Completed", failover.RootElement.ToString());
        }
        var after = await StableMasterAsync("node2");
        var t2 = DateTimeOffset.UtcNow;
        await Task.Delay(1500);

        using var then = await cluster.ControlPlaneAsync("/api/cluster?at=" + Uri.EscapeDataString(t1.ToString("O", CultureInfo.InvariantCulture)));
        using var now = await cluster.ControlPlaneAsync("/api/cluster?at=" + Uri.EscapeDataString(t2.ToString("O", CultureInfo.InvariantCulture)));
        Master(then).ShouldBe(before.Master);
        Master(now).ShouldBe(after.Master);
        Roles(then).ShouldBe(before.Nodes.ToDictionary(n => n.Id, n => (string?)n.Role), "each node's role at t1, as status --json showed it");
        Roles(now).ShouldBe(after.Nodes.ToDictionary(n => n.Id, n => (string?)n.Role), "each node's role at t2");

        // The audit trail holds the fact, and the async timeline projection drew the saga.
        using var facts = await cluster.ControlPlaneAsync($"/api/events?stream={cluster.Config.ClusterId}/cluster&type=master_changed");
        facts.RootElement.GetProperty("events").EnumerateArray()
            .ShouldContain(e => e.GetProperty("data").GetProperty("newMaster").GetString() == "node2");
        var drawn = await Wait.UntilAsync(async _ =>
        {
            using var timeline = await cluster.ControlPlaneAsync($"/api/failovers/{id}/timeline").ConfigureAwait(false);
            return timeline.RootElement.GetProperty("outcome").GetString() == "completed";
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        drawn.ShouldBeTrue("the failover timeline projection shows the completed saga");

        // A rebuild on the live control plane replays everything and gives the same picture.
        var rebuilt = await client.PostAsync("api/projections/rebuild", default);
        rebuilt!.Value.GetProperty("projections").GetArrayLength().ShouldBe(3);
        using var replayed = await cluster.ControlPlaneAsync("/api/cluster?at=" + Uri.EscapeDataString(t2.ToString("O", CultureInfo.InvariantCulture)));
        Master(replayed).ShouldBe("node2");
        using var live = await cluster.ControlPlaneAsync("/api/cluster");
        Master(live).ShouldBe("node2");
    }

    /// <summary>Waits until status --json and the control plane's live view name the same master, and returns that status.</summary>
    private async Task<Cli.Commands.StatusReport> StableMasterAsync(string master)
    {
        Cli.Commands.StatusReport? report = null;
        var agreed = await Wait.UntilAsync(async _ =>
        {
            report = await cluster.StatusAsync().ConfigureAwait(false);
            using var view = await cluster.ControlPlaneAsync("/api/cluster").ConfigureAwait(false);
            return report.Master == master && Master(view) == master
                && report.Nodes.All(n => Roles(view).GetValueOrDefault(n.Id) == n.Role);
        }, Bound, TimeSpan.FromMilliseconds(500));
        agreed.ShouldBeTrue($"status --json and /api/cluster should agree on master {master}");
        return report!;
    }

    private static string? Master(JsonDocument view) => view.RootElement.GetProperty("master").GetString();

    private static Dictionary<string, string?> Roles(JsonDocument view) =>
        view.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetString()!, n => n.GetProperty("role").GetString());
}
