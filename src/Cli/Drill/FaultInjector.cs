using System.Text.Json;
using Conjur.EventSourced.Cli.ControlPlaneApi;
using Conjur.EventSourced.Hosting.Cluster;
using Conjur.EventSourced.Hosting.Processes;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>The processes a fault hits, found before the fault so that finding them does not delay it.</summary>
public sealed record FaultTarget(string Node, int? AgentPid, int? PostgresPid);

/// <summary>Injects a <see cref="FaultKind"/> into the master and, for a freeze, undoes it at the end of the run.</summary>
public static class FaultInjector
{
    /// <summary>
    /// The master's agent and postmaster PIDs: from the agent's <c>/info</c>, else from the pid files the
    /// launcher and Postgres write. A PID that is not a live process is dropped (never signal a stranger).
    /// </summary>
    public static async Task<FaultTarget> LocateAsync(ClusterLauncher launcher, NodeConfig node, CancellationToken ct)
    {
        var info = await ClusterLauncher.InfoAsync(launcher.Config, node, ct);
        var agent = Int(info, "agentPid") ?? Daemon.ReadPid(launcher.AgentPidFile(node.Id));
        var postgres = Int(info, "postgresPid") ?? Daemon.ReadPid(Path.Combine(launcher.Config.NodeDir(node.Id), "pgdata", "postmaster.pid"));
        return new FaultTarget(node.Id, agent is { } a && Daemon.IsRunning(a) ? a : null, postgres is { } p && Daemon.IsRunning(p) ? p : null);
    }

    /// <summary>Fails before anything is touched when the fault's processes are not there.</summary>
    public static void Check(FaultKind fault, FaultTarget target)
    {
        var needAgent = fault is FaultKind.Node or FaultKind.Freeze;
        var needPostgres = fault is FaultKind.Node or FaultKind.Postgres;
        if (needAgent && target.AgentPid is null)
        {
            throw new DrillException($"cannot find the PID of {target.Node}'s agent (neither /info nor its pid file names a live process)");
        }
        if (needPostgres && target.PostgresPid is null)
        {
            throw new DrillException($"cannot find the PID of {target.Node}'s postmaster (neither /info nor postmaster.pid names a live process)");
        }
    }

    /// <summary>Injects the fault. Returns the failover id when the control plane gives one (switchover).</summary>
    public static async Task<Guid?> InjectAsync(FaultKind fault, FaultTarget target, string? to, ControlPlaneClient controlPlane, CancellationToken ct)
    {
        switch (fault)
        {
            case FaultKind.Node:
                // Both at once, agent first: the agent must not see its Postgres die and revoke the lease
                // cleanly, which is what the postgres fault measures.
                Daemon.Kill(target.AgentPid!.Value);
                Daemon.Kill(target.PostgresPid!.Value);
                return null;
            case FaultKind.Postgres:
                Daemon.Kill(target.PostgresPid!.Value);
                return null;
            case FaultKind.Freeze:
                Daemon.Signal(target.AgentPid!.Value, Daemon.SigStop);
                return null;
            case FaultKind.Switchover:
                return await controlPlane.SwitchoverAsync(to!, ct);
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    /// <summary>Undoes what can be undone: a frozen agent is resumed. Killed processes stay dead (re-enrolment brings the node back).</summary>
    public static bool Release(FaultKind fault, FaultTarget target) =>
        fault == FaultKind.Freeze && target.AgentPid is { } pid && Daemon.Signal(pid, Daemon.SigCont);

    private static int? Int(JsonElement? e, string name) =>
        e is { ValueKind: JsonValueKind.Object } v && v.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : null;
}
