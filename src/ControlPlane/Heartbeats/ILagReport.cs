namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>A lag report as stored, whether a state change (<see cref="ReplicationLagRecorded"/>) or a sample (<see cref="ReplicationLagSampled"/>).</summary>
public interface ILagReport : INodeEvent
{
    string Role { get; }
    int? Timeline { get; }
    long? WalPosition { get; }
    long? ReceivePosition { get; }
    long? LagBytes { get; }
    double? LagSeconds { get; }
    IReadOnlyList<ReplicaSeen> Replicas { get; }
}
