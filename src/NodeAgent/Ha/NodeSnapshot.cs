using Conjur.EventSourced.Hosting.Etcd;
using Conjur.EventSourced.NodeAgent.Postgres;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>What the agent knows about its node after the last cycle: read by /health and the heartbeat.</summary>
public sealed record NodeSnapshot
{
    public required string NodeId { get; init; }

    /// <summary>master, standby or follower: from the node's etcd membership, the configuration before that.</summary>
    public required string Role { get; init; }
    public bool Async { get; init; }
    public bool IsMember { get; init; } = true;
    public bool HoldsLeader { get; init; }
    public string? LeaderId { get; init; }

    /// <summary>Acting as master without the leader lease: writes must be refused.</summary>
    public bool Fenced { get; init; }

    /// <summary>Why the node is fenced, for /health and the heartbeat.</summary>
    public string? FenceReason { get; init; }

    /// <summary>Until when the last successful renewal vouches for the leader lease (the renewal's send time plus the TTL, less a margin).</summary>
    public DateTimeOffset LeaseValidUntil { get; init; }

    /// <summary>A planned switchover is under way on this master: it refuses writes from the first step.</summary>
    public bool SteppingDown { get; init; }
    public PostgresState Postgres { get; init; } = PostgresState.Down("not probed yet", DateTimeOffset.UtcNow);
    public long? LagBytes { get; init; }

    /// <summary>The timeline the master last reported (replicas only): a standby behind it cannot follow until rewound.</summary>
    public int? MasterTimeline { get; init; }

    /// <summary>A standby still on an older timeline than its master's: it cannot follow it (it needs a rewind).</summary>
    public bool BehindMasterTimeline => Role == "standby" && MasterTimeline is { } m && Postgres.Timeline is { } t && t < m;
    public string Outcome { get; init; } = "starting";
    public bool Bootstrapped { get; init; }
    public ClusterView? View { get; init; }
    public DateTimeOffset UpdatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Master: holds the lease and Postgres is writable. Others: Postgres runs and (replicas) streams.</summary>
    public bool Healthy => Role switch
    {
        "master" => Postgres.Running && !Postgres.InRecovery && HoldsLeader && !Fenced && !SteppingDown,
        // Not followers: a follower keeps serving reads while it switches to a new master's timeline.
        _ => Postgres.Running && Postgres.InRecovery && Postgres.Streaming && !BehindMasterTimeline,
    };

    /// <summary>What /health answers with 200: the master when healthy, a healthy follower. Standbys never.</summary>
    public bool AcceptingRequests => Role switch
    {
        "master" => Healthy,
        "follower" => Healthy,
        _ => false,
    };

    /// <summary>
    /// What /health answers now, not at the last cycle: a master stops saying so the instant its lease
    /// could have run out, even if the agent was too slow to notice (HAProxy must never see two masters).
    /// </summary>
    public bool AcceptingRequestsAt(DateTimeOffset now) => AcceptingRequests && (Role != "master" || now < LeaseValidUntil);

    public string? Problem => Healthy ? null : (Role, Postgres) switch
    {
        ("master", _) when SteppingDown => "stepping down for a planned switchover",
        (_, _) when Fenced && FenceReason is not null => "fenced: " + FenceReason,
        (_, { Running: false }) => $"postgres is not running: {Postgres.Error}",
        ("master", { InRecovery: true }) => "postgres is still in recovery",
        ("master", _) when Fenced => "fenced: the leader lease is held by " + (LeaderId ?? "nobody"),
        ("master", _) when !HoldsLeader => "does not hold the leader lease",
        (_, { InRecovery: false }) => "postgres is out of recovery but this node is not the master",
        _ when BehindMasterTimeline => $"on timeline {Postgres.Timeline}, behind the master's {MasterTimeline}: it cannot follow without a rewind",
        _ => "not streaming from its upstream" + (Postgres.ReceiverStatus is { } s ? $" (wal receiver: {s})" : ""),
    };
}
