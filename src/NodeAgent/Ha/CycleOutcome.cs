namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>What one HA cycle did, in words an operator can read in the log ("renewed leader lease").</summary>
public sealed record CycleOutcome(string Message);
