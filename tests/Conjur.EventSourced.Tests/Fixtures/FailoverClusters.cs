using Conjur.EventSourced.Hosting.Topology;
using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

// One fresh four-node cluster per failover scenario, each on its own ports (below the ephemeral range).
public sealed class ClusterForPostgresCrash(IMessageSink sink) : RunningCluster(sink, 30000);
public sealed class ClusterForNodeDeath(IMessageSink sink) : RunningCluster(sink, 30200);
public sealed class ClusterForFrozenAgent(IMessageSink sink) : RunningCluster(sink, 30400);
public sealed class ClusterWithOneStandbyStopped(IMessageSink sink) : RunningCluster(sink, 30600);
public sealed class ClusterLosingItsSyncStandby(IMessageSink sink) : RunningCluster(sink, 30800);
/// <summary>
/// The winner waits 3 s for the saga before promoting itself (300 ms by default), so the scenario has time to
/// kill it between taking the lock and promoting: the window a failure must not block.
/// </summary>
public sealed class ClusterForWinnerDeath(IMessageSink sink) : RunningCluster(sink, 29000, failover: f => f with { SelfPromoteAfterMs = 3000 });
public sealed class ClusterForControlPlaneDeath(IMessageSink sink) : RunningCluster(sink, 29200);
public sealed class ClusterForSwitchover(IMessageSink sink) : RunningCluster(sink, 29400);

/// <summary>The dashboard's cluster (browser, metrics and traces share it), in the dashboard's own port range.</summary>
public sealed class ClusterForDashboard(IMessageSink sink) : RunningCluster(sink, 24200);

/// <summary>A master and a follower, enough to see agents lose and regain the broker.</summary>
public sealed class MasterWithFollowerForBrokerOutage(IMessageSink sink)
    : RunningCluster(sink, 23000, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)]);

/// <summary>A cluster whose synchronous standby is made to fall behind the other just before the master dies.</summary>
public sealed class ClusterForSyncStandbyBehind(IMessageSink sink) : RunningCluster(sink, 29600);

/// <summary>A master and a follower whose credentials, files and database roles an attacker on the host tries.</summary>
public sealed class MasterWithFollowerForLeastPrivilege(IMessageSink sink)
    : RunningCluster(sink, 19800, [("node1", NodeRole.Master, false), ("node2", NodeRole.Follower, false)]);
