namespace Conjur.EventSourced.ControlPlane.Heartbeats;

/// <summary>What one batch did: appended, left out as not newer than what is stored, or left out as another cluster's.</summary>
public sealed record RecordOutcome(int Appended, int NotNewer, int OtherCluster);
