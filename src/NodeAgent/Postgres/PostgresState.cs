using Conjur.EventSourced.Contracts.Nodes;

namespace Conjur.EventSourced.NodeAgent.Postgres;

/// <summary>What one probe of the node's Postgres saw. <see cref="Running"/> false means it did not answer.</summary>
public sealed record PostgresState
{
    public bool Running { get; init; }
    public bool InRecovery { get; init; }
    public int? Timeline { get; init; }
    public long? CurrentWalPosition { get; init; }
    public long? ReceivePosition { get; init; }
    public long? ReplayPosition { get; init; }
    public double? ReplayDelaySeconds { get; init; }

    /// <summary>On a replica: the WAL receiver's status ('streaming' when connected upstream).</summary>
    public string? ReceiverStatus { get; init; }
    public IReadOnlyList<ReplicaReport> Replicas { get; init; } = [];
    public string? Error { get; init; }
    public DateTimeOffset ObservedAt { get; init; }

    public bool Streaming => ReceiverStatus == "streaming";

    /// <summary>The position that says how much of the master's history this node holds.</summary>
    public long? Position => InRecovery ? ReplayPosition : CurrentWalPosition;

    /// <summary>How far a replica's WAL goes: what it received, or replayed if that is further (0 when neither is known).</summary>
    public long Received => Math.Max(ReceivePosition ?? 0, ReplayPosition ?? 0);

    public static PostgresState Down(string error, DateTimeOffset at) => new() { Running = false, Error = error, ObservedAt = at };
}
