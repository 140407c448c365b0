namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>A heartbeat as stored, whether a state change (<see cref="HeartbeatRecorded"/>) or a sample (<see cref="HeartbeatSampled"/>).</summary>
public interface IHeartbeatReport : INodeEvent
{
    string Role { get; }
    bool Healthy { get; }
    bool PostgresRunning { get; }
    bool Fenced { get; }
    string? Problem { get; }
}
