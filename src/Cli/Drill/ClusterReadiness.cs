using System.Diagnostics;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>Whether the cluster is fit for a drill run: one master answering 200 and every node healthy for its role.</summary>
public static class ClusterReadiness
{
    /// <summary>What is wrong, in words; empty when the cluster is healthy.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(ClusterConfig config, CancellationToken ct)
    {
        var health = await Task.WhenAll(config.Nodes.Select(async n => (n.Id, Health: await ClusterLauncher.HealthAsync(config, n, ct))));
        var problems = health.Where(h => !h.Health.Healthy)
            .Select(h => $"{h.Id} is not healthy ({(h.Health.StatusCode == 0 ? h.Health.Error : $"{h.Health.Role}, /health {h.Health.StatusCode}")})")
            .ToList();
        var masters = health.Count(h => h.Health.Role == "master" && h.Health.StatusCode == 200);
        if (masters != 1)
        {
            problems.Add($"{masters} nodes answer /health 200 as master");
        }
        return problems;
    }

    public static async Task WaitHealthyAsync(ClusterConfig config, TimeSpan timeout, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> problems = [];
        var lastSaid = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            problems = await ProblemsAsync(config, ct);
            if (problems.Count == 0)
            {
                return;
            }
            if (clock.Elapsed - lastSaid > TimeSpan.FromSeconds(10))
            {
                progress($"waiting for a healthy cluster: {string.Join("; ", problems)}");
                lastSaid = clock.Elapsed;
            }
            await Task.Delay(250, ct);
        }
        throw new DrillException($"the cluster is not healthy after {timeout.TotalSeconds:0} s: {string.Join("; ", problems)}");
    }

    /// <summary>
    /// Brings the old master back as a standby through the control plane (<c>POST /api/reenroll</c>) when it
    /// is not healthy, then waits for the whole cluster. A control plane without re-enrolment is a clear error.
    /// </summary>
    public static async Task RestoreAsync(ClusterLauncher launcher, string oldMaster, ControlPlaneClient controlPlane, TimeSpan timeout,
        Action<string> progress, CancellationToken ct)
    {
        var config = launcher.Config;
        var health = await ClusterLauncher.HealthAsync(config, config.Node(oldMaster), ct);
        if (health.StatusCode == 0)
        {
            // The node fault killed its agent: start it again (it stays out of service until re-enrolled).
            progress($"starting {oldMaster}'s agent again");
            await launcher.StartAgentAsync(config.Node(oldMaster));
            await Hosting.Processes.Wait.UntilAsync(async c => (await ClusterLauncher.HealthAsync(config, config.Node(oldMaster), c)).StatusCode != 0,
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250), ct);
        }
        if (!health.Healthy)
        {
            progress($"re-enrolling {oldMaster} through the control plane");
            try
            {
                await controlPlane.ReenrollAsync(oldMaster, ct);
            }
            catch (ControlPlaneException e)
            {
                throw new DrillException($"cannot bring {oldMaster} back for the next run: {e.Message} (use --fresh to start a new cluster for each run)", e);
            }
        }
        await WaitHealthyAsync(config, timeout, progress, ct);
    }
}
