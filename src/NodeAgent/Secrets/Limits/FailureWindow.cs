namespace Conjur.EventSourced.NodeAgent.Secrets.Limits;

/// <summary>Failed authentications counted for one login or one client address since <see cref="Start"/>, its first failure in this window.</summary>
public readonly record struct FailureWindow(DateTimeOffset Start, int Failures);
