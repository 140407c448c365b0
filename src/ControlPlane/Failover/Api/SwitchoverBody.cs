namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>POST /api/switchover</c> body: <c>{"target":"node3"}</c>.</summary>
public sealed record SwitchoverBody(string? Target);
